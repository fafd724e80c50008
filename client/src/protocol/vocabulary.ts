/**
 * The aggregator's enums as the client speaks them. Solidity enums reach the ABI as plain uint8, so
 * the names live here once; test/unit/protocol checks them against contracts/interfaces/IFLuFHEAggregator.sol.
 */

/** `IFLuFHEAggregator.RoundState`, in declaration order. */
export const ROUND_STATE_NAMES = ["None", "Open", "Closed", "Failed", "Revealed"] as const;
export type RoundStateName = (typeof ROUND_STATE_NAMES)[number];

export const RoundState = { None: 0, Open: 1, Closed: 2, Failed: 3, Revealed: 4 } as const satisfies Record<
  RoundStateName,
  number
>;

/** `IFLuFHEAggregator.DecryptionPolicy`, in declaration order. */
export const POLICY_NAMES = ["Participants", "Public"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const Policy = { Participants: 0, Public: 1 } as const satisfies Record<PolicyName, number>;

/** The name of a round state as read from the chain (a bigint or number). */
export function roundStateName(state: bigint | number): RoundStateName {
  const name = ROUND_STATE_NAMES[Number(state)];
  if (!name) throw new Error(`unknown round state ${state}: is the client older than the contract?`);
  return name;
}

/** Whether a round read from the chain is in one of the given states. */
export function isRoundState(state: bigint | number, ...states: number[]): boolean {
  return states.includes(Number(state));
}

/** The name of a decryption policy as read from the chain. */
export function policyName(policy: bigint | number): PolicyName {
  const name = POLICY_NAMES[Number(policy)];
  if (!name) throw new Error(`unknown decryption policy ${policy}: is the client older than the contract?`);
  return name;
}

/** Parses "participants" / "public" (any case) as typed on a command line or in a spec file. */
export function parsePolicy(text: string): number {
  const index = POLICY_NAMES.findIndex((n) => n.toLowerCase() === text.trim().toLowerCase());
  if (index < 0) throw new Error(`policy must be participants or public, got "${text}"`);
  return index;
}
