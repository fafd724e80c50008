// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Lane layout of packed euint128 update words
/// @notice Pure arithmetic shared by task validation and views; the TypeScript codec (client/src/codec)
///         computes the same numbers. Each chunk of `wordsPerChunk` words holds `wordsPerChunk * k` lane
///         slots: slot 0 carries the contributor's FedAvg weight, the others carry model parameters.
library LaneLayout {
    /// @notice Bits in one packed word (euint128).
    uint256 internal constant WORD_BITS = 128;

    /// @notice Lanes that fit in one word: k = floor(128 / L).
    function lanesPerWord(uint8 laneBits) internal pure returns (uint8) {
        return uint8(WORD_BITS / laneBits);
    }

    /// @notice Mask keeping the low `valueBits` of every lane; ANDing a word with it bounds each lane
    ///         to [0, 2^b - 1] whatever a client encrypted.
    function laneMask(uint8 valueBits, uint8 laneBits) internal pure returns (uint128 mask) {
        uint256 lane = (uint256(1) << valueBits) - 1;
        uint256 k = WORD_BITS / laneBits;
        uint256 m;
        for (uint256 j = 0; j < k; ++j) {
            m |= lane << (j * laneBits);
        }
        mask = uint128(m);
    }

    /// @notice Parameters carried by one full chunk (one slot is the weight lane).
    function paramsPerChunk(uint16 wordsPerChunk, uint8 laneBits) internal pure returns (uint256) {
        return uint256(wordsPerChunk) * lanesPerWord(laneBits) - 1;
    }

    /// @notice Number of chunks and words needed for `paramCount` parameters. The last chunk is
    ///         shortened to the words it needs.
    function shape(
        uint32 paramCount,
        uint16 wordsPerChunk,
        uint8 laneBits
    ) internal pure returns (uint32 chunkCount, uint32 wordCount) {
        uint256 perChunk = paramsPerChunk(wordsPerChunk, laneBits);
        uint256 chunks = (uint256(paramCount) + perChunk - 1) / perChunk;
        uint256 lastParams = uint256(paramCount) - (chunks - 1) * perChunk;
        uint256 k = lanesPerWord(laneBits);
        uint256 lastWords = (lastParams + 1 + k - 1) / k;
        chunkCount = uint32(chunks);
        wordCount = uint32((chunks - 1) * wordsPerChunk + lastWords);
    }

    /// @notice Word range [first, first + count) of chunk `chunk`.
    function chunkWords(
        uint32 chunk,
        uint16 wordsPerChunk,
        uint32 wordCount
    ) internal pure returns (uint32 first, uint32 count) {
        first = chunk * uint32(wordsPerChunk);
        uint32 end = first + wordsPerChunk;
        if (end > wordCount) end = wordCount;
        count = end - first;
    }
}
