/** FHE operations over any fhEVM instance (relayer SDK, local mock, Hardhat plugin). */
export * from "./instance";
export * from "./encrypt";
export * from "./decrypt";
