/** An encoded update as participants store it (hex words per chunk): no file access, so the browser stores the same. */
export const toHexChunks = (chunks: bigint[][]): string[][] => chunks.map((c) => c.map((w) => "0x" + w.toString(16)));
export const fromHexChunks = (chunks: string[][]): bigint[][] => chunks.map((c) => c.map((w) => BigInt(w)));
