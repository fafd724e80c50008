// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FHE, euint32, externalEuint32} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";

/// @title Naive encrypted aggregation, for benchmarks only
/// @notice The design FLuFHE is measured against: one euint32 ciphertext per weight and one
///         `FHE.add` per weight, no packing and no bound on what a client adds. Not part of the
///         protocol; `npm run bench:chain` runs it side by side with `FLuFHEAggregator`.
contract NaiveAggregator is ZamaEthereumConfig {
    /// @notice euint32 values one input proof may carry (2048 bits).
    uint256 public constant VALUES_PER_PROOF = 64;

    mapping(uint256 index => euint32) private _sums;

    /// @notice Adds encrypted values into the running sums of weights [first, first + values.length).
    /// @param first index of the first weight.
    /// @param values encrypted weights; value i is covered by proof i / 64.
    /// @param proofs input proofs, one per 64 values.
    function submit(uint256 first, externalEuint32[] calldata values, bytes[] calldata proofs) external {
        bytes memory proof;
        for (uint256 i = 0; i < values.length; ++i) {
            if (i % VALUES_PER_PROOF == 0) proof = proofs[i / VALUES_PER_PROOF];
            // Unconditional add, as the naive design does (an empty sum counts as an encrypted zero).
            euint32 next = FHE.add(_sums[first + i], FHE.fromExternal(values[i], proof));
            FHE.allowThis(next);
            _sums[first + i] = next;
        }
    }
}
