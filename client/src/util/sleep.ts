/** Resolves after `ms` milliseconds (polling loops). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
