// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FLuFHE aggregator: types, events and errors
/// @notice Everything a client needs to decode the aggregator's state and its reverts, without the
///         FHE library. The contract itself is `FLuFHEAggregator`.
interface IFLuFHEAggregator {
    /// @notice Who may decrypt a round's aggregate once it is revealed.
    /// @dev PARTICIPANTS: user decryption (EIP-712) by the round's eligible participants and the task
    ///      owner. PUBLIC: anyone may public-decrypt; the clear values can be posted with a KMS proof.
    enum DecryptionPolicy {
        Participants,
        Public
    }

    /// @notice Lifecycle of one round. `Failed` rounds never reveal anything.
    enum RoundState {
        None,
        Open,
        Closed,
        Failed,
        Revealed
    }

    /// @notice How model deltas are quantized and packed. Mirrored by the TypeScript codec.
    /// @param valueBits b: bits of one quantized value (offset 2^(b-1)); the lane mask keeps exactly these.
    /// @param laneBits L: bits reserved per lane; L - b headroom bits absorb the sum of the cohort.
    /// @param wordsPerChunk euint128 words per submission chunk (one transaction each).
    /// @param paramCount number of model parameters.
    /// @param clipMicros clip bound C of a delta coordinate, in millionths (decoding only).
    /// @param sampleCap FedAvg sample cap nCap (0 = unweighted, every contributor weighs 1).
    /// @param weightFloor smallest quantized weight (1..2^b-1) the decoder assumes per contributor.
    struct CodecConfig {
        uint8 valueBits;
        uint8 laneBits;
        uint16 wordsPerChunk;
        uint32 paramCount;
        uint64 clipMicros;
        uint32 sampleCap;
        uint32 weightFloor;
    }

    /// @notice What a model owner chooses when creating a task.
    /// @param modelHash commitment to the architecture spec plus initial weights (or init seed).
    /// @param modelURI where the spec can be found, or a human label.
    /// @param minCohort K: fewest contributors per chunk for a round's aggregate to be revealed (>= 2).
    /// @param maxCohort N_max: most participants in a round; bounded by the lane headroom.
    /// @param rounds number of rounds the task may open.
    /// @param roundDuration seconds a round stays open for submissions.
    struct TaskConfig {
        bytes32 modelHash;
        string modelURI;
        CodecConfig codec;
        uint16 minCohort;
        uint16 maxCohort;
        uint32 rounds;
        uint64 roundDuration;
        DecryptionPolicy policy;
    }

    /// @notice A task as stored, with the layout derived from its codec.
    /// @param createdBlock the block that created the task: with the chain's hash of that block it tells
    ///        two tasks with the same id apart (a restarted devnet reuses ids and addresses), and it is
    ///        where event scans for the task may start.
    struct TaskView {
        address owner;
        TaskConfig config;
        uint8 lanesPerWord;
        uint128 laneMask;
        uint32 wordCount;
        uint32 chunkCount;
        uint32 currentRound;
        uint16 participantsNextRound;
        uint64 createdBlock;
    }

    /// @notice One interval of a participant's membership: rounds [joinRound, leaveRound); leaveRound 0
    ///         means open-ended. A participant's history is a list of such intervals, appended as it is
    ///         added again; an interval that already covered an opened round is never shortened or
    ///         dropped, so rights to past rounds never change after the fact.
    struct Membership {
        uint32 joinRound;
        uint32 leaveRound;
    }

    /// @notice Public state of one round.
    /// @param globalModelHash commitment to the global model every participant starts this round from.
    /// @param eligible participants allowed to submit in this round (snapshot at opening).
    /// @param completed participants that submitted every chunk.
    /// @param chunksAtQuorum chunks with at least `minCohort` contributors.
    /// @param publishedBatches PUBLIC policy: decryption batches whose clear values were verified on-chain.
    struct RoundInfo {
        RoundState state;
        uint64 openedAt;
        uint64 deadline;
        uint16 eligible;
        uint16 completed;
        uint32 chunksAtQuorum;
        uint32 publishedBatches;
        bytes32 globalModelHash;
    }

    event TaskCreated(
        uint256 indexed taskId,
        address indexed owner,
        bytes32 modelHash,
        uint32 paramCount,
        uint32 wordCount,
        uint32 chunkCount
    );
    event ParticipantAdded(uint256 indexed taskId, address indexed account, uint32 fromRound);
    event ParticipantRemoved(uint256 indexed taskId, address indexed account, uint32 fromRound);
    event RoundOpened(
        uint256 indexed taskId,
        uint32 indexed round,
        bytes32 globalModelHash,
        uint64 deadline,
        uint16 eligible
    );
    event ChunkSubmitted(
        uint256 indexed taskId,
        uint32 indexed round,
        uint32 chunk,
        address indexed participant,
        uint16 contributors
    );
    event ParticipantCompleted(uint256 indexed taskId, uint32 indexed round, address indexed participant);
    event RoundClosed(uint256 indexed taskId, uint32 indexed round, RoundState outcome, uint32 chunksAtQuorum);
    event RoundRevealed(uint256 indexed taskId, uint32 indexed round, DecryptionPolicy policy);
    event AggregateAccessGranted(
        uint256 indexed taskId,
        uint32 indexed round,
        address indexed account,
        uint32 fromWord,
        uint32 count
    );
    event AggregateMadePublic(uint256 indexed taskId, uint32 indexed round, uint32 fromWord, uint32 count);
    event ClearAggregateBatchPublished(uint256 indexed taskId, uint32 indexed round, uint32 batch, bytes32 clearHash);
    event ClearAggregatePublished(uint256 indexed taskId, uint32 indexed round, bytes32 commitment);

    // --- configuration errors (createTask) ---
    error InvalidValueBits(uint8 valueBits);
    error InvalidLaneBits(uint8 valueBits, uint8 laneBits);
    error InvalidCohort(uint16 minCohort, uint16 maxCohort);
    error HeadroomTooSmall(uint16 maxCohort, uint8 valueBits, uint8 laneBits);
    error InvalidChunking(uint32 paramCount, uint16 wordsPerChunk);
    error InvalidWeightFloor(uint32 weightFloor, uint8 valueBits);
    error InvalidClip();
    error InvalidSchedule(uint32 rounds, uint64 roundDuration);
    /// @notice `wordsPerChunk` exceeds the largest chunk a non-first contributor can submit within the
    ///         fhEVM's per-transaction HCU cap (every word then pays a masked encrypted add).
    /// @param wordsPerChunk the requested chunk size, in euint128 words.
    /// @param max the contract's `MAX_WORDS_PER_CHUNK`.
    error ChunkTooLarge(uint16 wordsPerChunk, uint16 max);
    /// @notice `roundDuration` exceeds `MAX_ROUND_DURATION`; a longer round is almost surely a unit
    ///         mistake, and near 2^64 seconds its deadline would overflow when the round opens.
    /// @param roundDuration the requested duration, in seconds.
    /// @param max the contract's `MAX_ROUND_DURATION`, in seconds.
    error RoundDurationTooLong(uint64 roundDuration, uint64 max);

    // --- access and membership ---
    error UnknownTask(uint256 taskId);
    error NotTaskOwner(uint256 taskId, address caller);
    error NotEligible(uint256 taskId, uint32 round, address caller);
    error ZeroAddress();
    error AlreadyParticipant(uint256 taskId, address account);
    error NotParticipant(uint256 taskId, address account);
    error CohortTooLarge(uint256 taskId, uint16 maxCohort);
    /// @notice The account was added back too often: its membership history is full (MAX_MEMBERSHIP_INTERVALS).
    error MembershipHistoryFull(uint256 taskId, address account);

    // --- round lifecycle ---
    error NoRoundsLeft(uint256 taskId, uint32 rounds);
    error PreviousRoundPending(uint256 taskId, uint32 round, RoundState state);
    error CohortTooSmall(uint256 taskId, uint16 participants, uint16 minCohort);
    error InitialModelMismatch(bytes32 expected, bytes32 given);
    error NotCurrentRound(uint256 taskId, uint32 currentRound, uint32 given);
    error RoundNotOpen(uint256 taskId, uint32 round, RoundState state);
    error SubmissionDeadlinePassed(uint256 taskId, uint32 round, uint64 deadline);
    error RoundNotClosable(uint256 taskId, uint32 round, uint32 chunksAtQuorum, uint32 chunkCount, uint64 deadline);
    error RoundNotClosed(uint256 taskId, uint32 round, RoundState state);
    error RoundNotRevealed(uint256 taskId, uint32 round, RoundState state);

    // --- submissions ---
    error ChunkOutOfRange(uint32 chunk, uint32 chunkCount);
    error ChunkAlreadySubmitted(uint256 taskId, uint32 round, uint32 chunk, address participant);
    error WrongWordCount(uint32 chunk, uint256 expected, uint256 given);
    error WrongProofCount(uint256 expected, uint256 given);
    error EmptyInputProof(uint256 index);

    // --- decryption ---
    error WrongPolicy(DecryptionPolicy policy);
    error WordRangeOutOfBounds(uint32 fromWord, uint32 count, uint32 wordCount);
    error BatchOutOfRange(uint32 batch, uint32 batchCount);
    error BatchAlreadyPublished(uint256 taskId, uint32 round, uint32 batch);
    error WrongClearLength(uint256 expected, uint256 given);
}
