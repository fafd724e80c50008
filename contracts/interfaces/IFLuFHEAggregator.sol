// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {externalEuint128} from "encrypted-types/EncryptedTypes.sol";

/// @title FLuFHE aggregator: functions, types, events and errors
/// @notice Everything a client needs to call the aggregator, decode its state, its events and its reverts,
///         without the FHE library (only its encrypted input type). The implementation is `FLuFHEAggregator`.
/// @dev A task's life: the owner creates it (`createTask`) and manages its allowlist (`addParticipants`,
///      `removeParticipants`); each round the owner opens it (`openRound`), participants submit their
///      encrypted updates chunk by chunk (`submitChunk`), the round is closed (`closeRound`) and, if every
///      chunk reached `minCohort` contributors, revealed (`revealRound`); access to the aggregate is then
///      materialised in word ranges (`allowAggregate`) and, under the PUBLIC policy, the clear aggregate can
///      be verified on-chain (`publishClearAggregate`).
///      Besides the errors below, calls can revert with errors of the fhEVM library that the contract's ABI
///      carries (`InvalidKMSSignatures`, `SenderNotAllowedToUseHandle`, `ZamaProtocolUnsupported`) and with
///      errors of the fhEVM's own contracts (e.g. the InputVerifier's for a bad input proof), which it does not.
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

    /// @notice A task's record-level differential-privacy promise: every participant trains each round
    ///         with DP-SGD at these settings. All zero: the task makes no DP promise. Fixed at creation (no
    ///         function changes it); the model spec behind `modelHash` holds the same terms. The contract
    ///         cannot run the accountant: participants check that `epsilonMicros` is what the terms cost
    ///         over `rounds` before they train (client/src/protocol/privacy.ts).
    /// @param noiseMicros noise multiplier sigma in millionths (noise std = sigma x clip per step).
    /// @param clipMicros L2 bound of one record's gradient, in millionths.
    /// @param samplingNanos Poisson sampling rate of a local step, in billionths (at most 10^9).
    /// @param stepsPerRound DP-SGD steps each participant runs per round.
    /// @param deltaAtto delta in units of 10^-18 (below 10^18).
    /// @param epsilonMicros epsilon the whole task costs each participant's records at delta, in millionths.
    struct PrivacyTerms {
        uint32 noiseMicros;
        uint32 clipMicros;
        uint32 samplingNanos;
        uint32 stepsPerRound;
        uint64 deltaAtto;
        uint32 epsilonMicros;
    }

    /// @notice What a model owner chooses when creating a task.
    /// @param modelHash commitment to the architecture spec plus initial weights (or init seed).
    /// @param modelURI where the spec can be found, or a human label.
    /// @param codec quantization and packing of the updates.
    /// @param minCohort K: fewest contributors per chunk for a round's aggregate to be revealed (>= 2).
    /// @param maxCohort N_max: most participants in a round; bounded by the lane headroom.
    /// @param rounds number of rounds the task may open.
    /// @param roundDuration seconds a round stays open for submissions.
    /// @param policy who may decrypt a revealed aggregate.
    /// @param privacy the differential-privacy promise (all zero: none).
    struct TaskConfig {
        bytes32 modelHash;
        string modelURI;
        CodecConfig codec;
        uint16 minCohort;
        uint16 maxCohort;
        uint32 rounds;
        uint64 roundDuration;
        DecryptionPolicy policy;
        PrivacyTerms privacy;
    }

    /// @notice A task as stored, with the layout derived from its codec.
    /// @param owner the account that created the task; the only one that manages it.
    /// @param config the configuration the task was created with.
    /// @param lanesPerWord k = floor(128 / laneBits) lanes per euint128 word.
    /// @param laneMask the mask every submitted word is ANDed with (the low `valueBits` of every lane).
    /// @param wordCount euint128 words of one packed update (and of a round's aggregate).
    /// @param chunkCount chunks (transactions) of one packed update.
    /// @param currentRound the last round opened (0: none yet).
    /// @param participantsNextRound accounts listed for the next round to open.
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
    /// @param state where the round is in its lifecycle.
    /// @param openedAt block timestamp of `openRound`.
    /// @param deadline first timestamp at which submissions are refused (openedAt + roundDuration).
    /// @param eligible participants allowed to submit in this round (snapshot at opening).
    /// @param completed participants that submitted every chunk.
    /// @param chunksAtQuorum chunks with at least `minCohort` contributors.
    /// @param publishedBatches PUBLIC policy: decryption batches whose clear values were verified on-chain.
    /// @param globalModelHash commitment to the global model every participant starts this round from.
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

    // ------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------

    /// @notice Emitted when a task is created by `createTask` (before the `ParticipantAdded` events of its
    ///         initial allowlist).
    /// @param taskId the new task's id.
    /// @param owner the account that created the task.
    /// @param modelHash commitment to the initial model; round 1 must open with it.
    /// @param paramCount number of model parameters.
    /// @param wordCount euint128 words of one packed update.
    /// @param chunkCount chunks (transactions) of one packed update.
    event TaskCreated(
        uint256 indexed taskId,
        address indexed owner,
        bytes32 modelHash,
        uint32 paramCount,
        uint32 wordCount,
        uint32 chunkCount
    );

    /// @notice Emitted when `account` is listed for rounds from `fromRound` on, by `createTask` or
    ///         `addParticipants`; also when adding it back cancels a removal that had not taken effect yet.
    /// @param taskId the task.
    /// @param account the participant.
    /// @param fromRound the first round it takes part in (the next round to open).
    event ParticipantAdded(uint256 indexed taskId, address indexed account, uint32 fromRound);

    /// @notice Emitted when `removeParticipants` unlists `account` from `fromRound` on; an open round keeps it.
    /// @param taskId the task.
    /// @param account the former participant.
    /// @param fromRound the first round it no longer takes part in (the next round to open).
    event ParticipantRemoved(uint256 indexed taskId, address indexed account, uint32 fromRound);

    /// @notice Emitted when the owner opens a round with `openRound`.
    /// @param taskId the task.
    /// @param round the round opened.
    /// @param globalModelHash commitment to the global model every participant must start from.
    /// @param deadline first timestamp at which submissions are refused.
    /// @param eligible participants allowed to submit in this round.
    event RoundOpened(
        uint256 indexed taskId,
        uint32 indexed round,
        bytes32 globalModelHash,
        uint64 deadline,
        uint16 eligible
    );

    /// @notice Emitted when `submitChunk` adds a participant's chunk to the round's encrypted sum.
    /// @param taskId the task.
    /// @param round the open round.
    /// @param chunk the chunk index.
    /// @param participant the submitter.
    /// @param contributors contributors to this chunk in this round so far, this one included.
    event ChunkSubmitted(
        uint256 indexed taskId,
        uint32 indexed round,
        uint32 chunk,
        address indexed participant,
        uint16 contributors
    );

    /// @notice Emitted when `submitChunk` records a participant's last missing chunk of the round.
    /// @param taskId the task.
    /// @param round the open round.
    /// @param participant the participant that has now submitted every chunk.
    event ParticipantCompleted(uint256 indexed taskId, uint32 indexed round, address indexed participant);

    /// @notice Emitted when `closeRound` ends a round's submissions.
    /// @param taskId the task.
    /// @param round the closed round.
    /// @param outcome `Closed` (every chunk reached `minCohort` contributors: revealable) or `Failed`.
    /// @param chunksAtQuorum chunks with at least `minCohort` contributors.
    event RoundClosed(uint256 indexed taskId, uint32 indexed round, RoundState outcome, uint32 chunksAtQuorum);

    /// @notice Emitted when `revealRound` reveals a closed round's aggregate to the policy's audience.
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param policy the task's decryption policy (who may now decrypt).
    event RoundRevealed(uint256 indexed taskId, uint32 indexed round, DecryptionPolicy policy);

    /// @notice Emitted when `allowAggregate` grants `account` user decryption of a range of aggregate words
    ///         (PARTICIPANTS policy).
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param account the caller, now allowed to user-decrypt those words.
    /// @param fromWord the first word of the range.
    /// @param count the number of words in the range.
    event AggregateAccessGranted(
        uint256 indexed taskId,
        uint32 indexed round,
        address indexed account,
        uint32 fromWord,
        uint32 count
    );

    /// @notice Emitted when `allowAggregate` makes a range of aggregate words publicly decryptable
    ///         (PUBLIC policy).
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param fromWord the first word of the range.
    /// @param count the number of words in the range.
    event AggregateMadePublic(uint256 indexed taskId, uint32 indexed round, uint32 fromWord, uint32 count);

    /// @notice Emitted when `publishClearAggregate` verifies the KMS proof of one batch's clear words.
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param batch the decryption batch: words [batch * 16, batch * 16 + 16).
    /// @param clearHash keccak256 of the batch's ABI-encoded clear words.
    event ClearAggregateBatchPublished(uint256 indexed taskId, uint32 indexed round, uint32 batch, bytes32 clearHash);

    /// @notice Emitted when `publishClearAggregate` verifies the last missing batch of a round: the whole
    ///         clear aggregate is on record.
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param commitment keccak256 over the batch hashes in batch order (see `clearAggregateCommitment`).
    event ClearAggregatePublished(uint256 indexed taskId, uint32 indexed round, bytes32 commitment);

    // ------------------------------------------------------------------------------------------
    // Errors: configuration (createTask, in the order they are checked)
    // ------------------------------------------------------------------------------------------

    /// @notice The value bits are not between 2 and 32.
    /// @dev Raised by `createTask` when `codec.valueBits` < 2 or > 32.
    /// @param valueBits the requested value bits b.
    error InvalidValueBits(uint8 valueBits);

    /// @notice The lane bits do not exceed the value bits or are more than a word's 128 bits.
    /// @dev Raised by `createTask` when `codec.laneBits` <= `codec.valueBits` or > 128.
    /// @param valueBits the requested value bits b.
    /// @param laneBits the requested lane bits L.
    error InvalidLaneBits(uint8 valueBits, uint8 laneBits);

    /// @notice The minimum cohort is below 2 or above the maximum cohort.
    /// @dev Raised by `createTask` when `minCohort` < 2 or `maxCohort` < `minCohort`.
    /// @param minCohort the requested minimum cohort K.
    /// @param maxCohort the requested maximum cohort N_max.
    error InvalidCohort(uint16 minCohort, uint16 maxCohort);

    /// @notice A lane cannot hold the sum of `maxCohort` values: it would carry into its neighbour.
    /// @dev Raised by `createTask` when maxCohort * (2^valueBits - 1) >= 2^laneBits.
    /// @param maxCohort the requested maximum cohort N_max.
    /// @param valueBits the requested value bits b.
    /// @param laneBits the requested lane bits L.
    error HeadroomTooSmall(uint16 maxCohort, uint8 valueBits, uint8 laneBits);

    /// @notice `wordsPerChunk` exceeds the largest chunk a non-first contributor can submit within the
    ///         fhEVM's per-transaction HCU cap (every word then pays a masked encrypted add).
    /// @dev Raised by `createTask` when `codec.wordsPerChunk` > `MAX_WORDS_PER_CHUNK` (67): 68 words would need
    ///      more than the 20,000,000 HCU (20M) one transaction may use.
    /// @param wordsPerChunk the requested chunk size, in euint128 words.
    /// @param max the contract's `MAX_WORDS_PER_CHUNK`.
    error ChunkTooLarge(uint16 wordsPerChunk, uint16 max);

    /// @notice The update cannot be split into chunks: no parameters, no words per chunk, or a chunk with
    ///         room for the weight lane only.
    /// @dev Raised by `createTask` when `codec.paramCount` is 0, `codec.wordsPerChunk` is 0, or
    ///      wordsPerChunk * floor(128 / laneBits) - 1 (the parameters one chunk holds) is 0.
    /// @param paramCount the requested parameter count.
    /// @param wordsPerChunk the requested chunk size, in euint128 words.
    error InvalidChunking(uint32 paramCount, uint16 wordsPerChunk);

    /// @notice The weight floor is not between 1 and the largest value code 2^valueBits - 1.
    /// @dev Raised by `createTask` when `codec.weightFloor` is 0 or > 2^valueBits - 1.
    /// @param weightFloor the requested weight floor.
    /// @param valueBits the requested value bits b.
    error InvalidWeightFloor(uint32 weightFloor, uint8 valueBits);

    /// @notice The clip bound is zero.
    /// @dev Raised by `createTask` when `codec.clipMicros` is 0. The bound is stored in millionths, so the
    ///      smallest clip bound is 0.000001.
    error InvalidClip();

    /// @notice The privacy terms are neither all zero nor a complete promise.
    /// @dev Raised by `createTask` when `privacy.noiseMicros` is not 0 and any other term is 0, the sampling
    ///      rate is above 10^9 billionths or delta is not below 10^18 atto; or when the noise is 0 and any
    ///      other term is not.
    error InvalidPrivacy();

    /// @notice The task would have no rounds, or rounds that last no time.
    /// @dev Raised by `createTask` when `rounds` or `roundDuration` is 0.
    /// @param rounds the requested number of rounds.
    /// @param roundDuration the requested round duration, in seconds.
    error InvalidSchedule(uint32 rounds, uint64 roundDuration);

    /// @notice `roundDuration` exceeds `MAX_ROUND_DURATION`; a longer round is almost surely a unit
    ///         mistake, and near 2^64 seconds its deadline would overflow when the round opens.
    /// @dev Raised by `createTask` when `roundDuration` > `MAX_ROUND_DURATION` (365 days).
    /// @param roundDuration the requested duration, in seconds.
    /// @param max the contract's `MAX_ROUND_DURATION`, in seconds.
    error RoundDurationTooLong(uint64 roundDuration, uint64 max);

    // ------------------------------------------------------------------------------------------
    // Errors: access and membership
    // ------------------------------------------------------------------------------------------

    /// @notice There is no task with this id on this aggregator.
    /// @dev Raised by every function that takes a `taskId` (all but `createTask` and `taskCount`) when it is 0
    ///      or greater than `taskCount`.
    /// @param taskId the id asked for.
    error UnknownTask(uint256 taskId);

    /// @notice Only the task's owner may do this.
    /// @dev Raised by `addParticipants`, `removeParticipants` and `openRound` when the caller is not the owner.
    /// @param taskId the task.
    /// @param caller the caller.
    error NotTaskOwner(uint256 taskId, address caller);

    /// @notice The caller is not a participant of that round (nor, where that suffices, the task's owner).
    /// @dev Raised by `submitChunk` when the caller is not listed for `round`, and by `revealRound` and
    ///      `allowAggregate` (PARTICIPANTS policy) when it is neither the owner nor listed for `round`.
    /// @param taskId the task.
    /// @param round the round.
    /// @param caller the caller.
    error NotEligible(uint256 taskId, uint32 round, address caller);

    /// @notice The zero address cannot be a participant.
    /// @dev Raised by `createTask` and `addParticipants` for a zero address in the list.
    error ZeroAddress();

    /// @notice The account is already listed for the next round.
    /// @dev Raised by `createTask` and `addParticipants` when the account is listed for the next round to
    ///      open, e.g. when it appears twice in the list.
    /// @param taskId the task.
    /// @param account the account.
    error AlreadyParticipant(uint256 taskId, address account);

    /// @notice The account is not listed for the next round.
    /// @dev Raised by `removeParticipants` when the account is not listed for the next round to open.
    /// @param taskId the task.
    /// @param account the account.
    error NotParticipant(uint256 taskId, address account);

    /// @notice More accounts would be listed for the next round than the task's maximum cohort.
    /// @dev Raised by `createTask` and `addParticipants` when the participants of the next round would
    ///      exceed `maxCohort` (fixed at creation by the lane headroom).
    /// @param taskId the task.
    /// @param maxCohort the task's maximum cohort N_max.
    error CohortTooLarge(uint256 taskId, uint16 maxCohort);

    /// @notice The account was added back too often: its membership history is full (MAX_MEMBERSHIP_INTERVALS).
    /// @dev Raised by `addParticipants` when adding the account back would start its 17th membership
    ///      interval: `MAX_MEMBERSHIP_INTERVALS` (16) join/leave intervals per account and task.
    /// @param taskId the task.
    /// @param account the account.
    error MembershipHistoryFull(uint256 taskId, address account);

    // ------------------------------------------------------------------------------------------
    // Errors: round lifecycle
    // ------------------------------------------------------------------------------------------

    /// @notice Every round of the task has been opened.
    /// @dev Raised by `openRound` when the task's current round equals its `rounds`.
    /// @param taskId the task.
    /// @param rounds the task's number of rounds.
    error NoRoundsLeft(uint256 taskId, uint32 rounds);

    /// @notice The previous round is still open or closed but not yet revealed.
    /// @dev Raised by `openRound` unless the previous round is `Revealed` or `Failed`.
    /// @param taskId the task.
    /// @param round the previous (current) round.
    /// @param state its state (`Open` or `Closed`).
    error PreviousRoundPending(uint256 taskId, uint32 round, RoundState state);

    /// @notice Fewer accounts are listed for the next round than the task's minimum cohort.
    /// @dev Raised by `openRound` when the participants of the round to open are fewer than `minCohort`.
    /// @param taskId the task.
    /// @param participants accounts listed for the round to open.
    /// @param minCohort the task's minimum cohort K.
    error CohortTooSmall(uint256 taskId, uint16 participants, uint16 minCohort);

    /// @notice Round 1 must start from the model the task was created with.
    /// @dev Raised by `openRound` for round 1 when `globalModelHash` differs from the task's `modelHash`.
    /// @param expected the task's model commitment.
    /// @param given the commitment passed.
    error InitialModelMismatch(bytes32 expected, bytes32 given);

    /// @notice The round given is not the task's current round.
    /// @dev Raised by `submitChunk` and `closeRound` when `round` differs from the last round opened (a stale
    ///      client, or a call before any round opened that names another round than 0).
    /// @param taskId the task.
    /// @param currentRound the task's current round.
    /// @param given the round passed.
    error NotCurrentRound(uint256 taskId, uint32 currentRound, uint32 given);

    /// @notice The round is not open.
    /// @dev Raised by `submitChunk` and `closeRound` when the current round is not `Open`: no round opened yet
    ///      (round 0, `None`) or it was already closed.
    /// @param taskId the task.
    /// @param round the round.
    /// @param state its state.
    error RoundNotOpen(uint256 taskId, uint32 round, RoundState state);

    /// @notice The round's submission deadline has passed.
    /// @dev Raised by `submitChunk` when the block timestamp is at or after the round's deadline; the round
    ///      can then be closed by anyone.
    /// @param taskId the task.
    /// @param round the round.
    /// @param deadline the round's deadline (a timestamp).
    error SubmissionDeadlinePassed(uint256 taskId, uint32 round, uint64 deadline);

    /// @notice The round cannot be closed yet.
    /// @dev Raised by `closeRound` before the deadline while some eligible participant has chunks missing,
    ///      unless the caller is the owner and every chunk has `minCohort` contributors.
    /// @param taskId the task.
    /// @param round the round.
    /// @param chunksAtQuorum chunks with at least `minCohort` contributors.
    /// @param chunkCount the task's chunks.
    /// @param deadline the round's deadline (a timestamp).
    error RoundNotClosable(uint256 taskId, uint32 round, uint32 chunksAtQuorum, uint32 chunkCount, uint64 deadline);

    /// @notice The round is not closed with quorum, so it cannot be revealed.
    /// @dev Raised by `revealRound` unless the round is `Closed`: a `Failed` round is never revealed, and a
    ///      `Revealed` one only once.
    /// @param taskId the task.
    /// @param round the round.
    /// @param state its state.
    error RoundNotClosed(uint256 taskId, uint32 round, RoundState state);

    /// @notice The round's aggregate is not revealed.
    /// @dev Raised by `allowAggregate` and `publishClearAggregate` unless the round is `Revealed`.
    /// @param taskId the task.
    /// @param round the round.
    /// @param state its state.
    error RoundNotRevealed(uint256 taskId, uint32 round, RoundState state);

    // ------------------------------------------------------------------------------------------
    // Errors: submissions (submitChunk, in the order they are checked)
    // ------------------------------------------------------------------------------------------

    /// @notice The task has no chunk with this index.
    /// @dev Raised by `submitChunk` when `chunk` >= the task's `chunkCount`.
    /// @param chunk the chunk index passed.
    /// @param chunkCount the task's chunks.
    error ChunkOutOfRange(uint32 chunk, uint32 chunkCount);

    /// @notice The chunk does not have the number of words the task's layout gives it.
    /// @dev Raised by `submitChunk` when `words` is not `wordsPerChunk` long (the last chunk: the words left).
    /// @param chunk the chunk index.
    /// @param expected the chunk's words.
    /// @param given the words passed.
    error WrongWordCount(uint32 chunk, uint256 expected, uint256 given);

    /// @notice The chunk does not come with one input proof per 16 words.
    /// @dev Raised by `submitChunk` when `proofs` is not ceil(words / WORDS_PER_PROOF) long (16 words per proof).
    /// @param expected the proofs the chunk needs.
    /// @param given the proofs passed.
    error WrongProofCount(uint256 expected, uint256 given);

    /// @notice The caller already submitted this chunk in this round: it is counted once.
    /// @dev Raised by `submitChunk` for a second submission of the same chunk by the same participant.
    /// @param taskId the task.
    /// @param round the round.
    /// @param chunk the chunk index.
    /// @param participant the caller.
    error ChunkAlreadySubmitted(uint256 taskId, uint32 round, uint32 chunk, address participant);

    /// @notice A batch of encrypted words came without its input proof.
    /// @dev Raised by `submitChunk` when `proofs[index]` is empty: every word is verified against its proof,
    ///      never taken as an existing handle.
    /// @param index the index of the empty proof.
    error EmptyInputProof(uint256 index);

    // ------------------------------------------------------------------------------------------
    // Errors: decryption
    // ------------------------------------------------------------------------------------------

    /// @notice The task's decryption policy does not allow this call.
    /// @dev Raised by `publishClearAggregate` on a task with the PARTICIPANTS policy.
    /// @param policy the task's decryption policy.
    error WrongPolicy(DecryptionPolicy policy);

    /// @notice The word range lies beyond the task's aggregate, or is empty where words are needed.
    /// @dev Raised by `allowAggregate` when `count` is 0 or fromWord + count > wordCount, and by
    ///      `aggregateHandles` when fromWord + count > wordCount.
    /// @param fromWord the first word asked for.
    /// @param count the number of words asked for.
    /// @param wordCount the task's words.
    error WordRangeOutOfBounds(uint32 fromWord, uint32 count, uint32 wordCount);

    /// @notice The round's aggregate has no decryption batch with this index.
    /// @dev Raised by `publishClearAggregate` when `batch` >= ceil(wordCount / 16) (16 words per batch).
    /// @param batch the batch index passed.
    /// @param batchCount the aggregate's batches.
    error BatchOutOfRange(uint32 batch, uint32 batchCount);

    /// @notice The batch's clear values were already verified and recorded.
    /// @dev Raised by `publishClearAggregate` for a batch published before.
    /// @param taskId the task.
    /// @param round the round.
    /// @param batch the batch index.
    error BatchAlreadyPublished(uint256 taskId, uint32 round, uint32 batch);

    /// @notice The clear values do not have the batch's length: 32 bytes per handle.
    /// @dev Raised by `publishClearAggregate` when `abiEncodedClears` is not 32 bytes per word of the batch.
    /// @param expected the bytes the batch needs.
    /// @param given the bytes passed.
    error WrongClearLength(uint256 expected, uint256 given);

    // ------------------------------------------------------------------------------------------
    // Limits
    // ------------------------------------------------------------------------------------------

    /// @notice euint128 words one input proof may carry (2048 bits): 16.
    /// @dev `submitChunk` expects one proof per this many words.
    /// @return The words per input proof.
    function WORDS_PER_PROOF() external view returns (uint32);

    /// @notice euint128 handles one KMS decryption request may carry (2048 bits): 16.
    /// @dev The size of a decryption batch of `publishClearAggregate`.
    /// @return The words per decryption batch.
    function WORDS_PER_DECRYPTION() external view returns (uint32);

    /// @notice Largest chunk, in words, a contributor can submit within the fhEVM's 20,000,000 HCU
    ///         per-transaction cap: 67.
    /// @dev Every word of a non-first contribution pays a euint128 scalar AND (37,000 HCU) plus a euint128
    ///      add (259,000 HCU): floor(20,000,000 / 296,000) = 67, i.e. 19,832,000 HCU, while 68 words
    ///      (20,128,000 HCU) always revert. `createTask` rejects larger chunks (`ChunkTooLarge`); the client
    ///      planner keeps a margin below it.
    /// @return The largest `wordsPerChunk` a task may have.
    function MAX_WORDS_PER_CHUNK() external view returns (uint16);

    /// @notice Longest round, in seconds: 365 days.
    /// @dev Any longer round is almost surely a unit mistake (milliseconds for seconds), and the bound keeps
    ///      `block.timestamp + roundDuration` far from overflowing the uint64 deadline (which `openRound` would
    ///      otherwise hit near 2^64). `createTask` rejects longer rounds (`RoundDurationTooLong`).
    /// @return The largest `roundDuration` a task may have, in seconds.
    function MAX_ROUND_DURATION() external view returns (uint64);

    /// @notice Most membership intervals one account can have in a task: 16.
    /// @dev Eligibility checks walk the history, so it stays short: 16 join/leave cycles are plenty for a
    ///      real consortium. `addParticipants` rejects a 17th interval (`MembershipHistoryFull`).
    /// @return The most intervals per account and task.
    function MAX_MEMBERSHIP_INTERVALS() external view returns (uint256);

    // ------------------------------------------------------------------------------------------
    // Tasks and participants
    // ------------------------------------------------------------------------------------------

    /// @notice Creates a training task owned by the caller.
    /// @dev Anyone may call; the caller becomes the task's owner. Validates the configuration (errors
    ///      `InvalidValueBits`, `InvalidLaneBits`, `InvalidCohort`, `HeadroomTooSmall`, `ChunkTooLarge`,
    ///      `InvalidChunking`, `InvalidWeightFloor`, `InvalidClip`, `InvalidSchedule`, `RoundDurationTooLong`,
    ///      in that order), derives the lane layout and lists the initial participants (errors `ZeroAddress`,
    ///      `AlreadyParticipant`, `CohortTooLarge`). The allowlist may be shorter than `minCohort`: `openRound`
    ///      checks it. Emits a {TaskCreated} event, then a {ParticipantAdded} event per participant.
    /// @param config model commitment, codec, cohort bounds, schedule and decryption policy.
    /// @param participants initial allowlist; they take part from round 1.
    /// @return taskId the new task's id (ids start at 1).
    function createTask(TaskConfig calldata config, address[] calldata participants) external returns (uint256 taskId);

    /// @notice Adds participants; they take part from the next round that opens.
    /// @dev Only the task's owner (`NotTaskOwner`), at any time: a round already open keeps its cohort.
    ///      Adding back an account whose removal has not taken effect yet simply continues its membership.
    ///      Reverts with `ZeroAddress`, `AlreadyParticipant`, `MembershipHistoryFull` or `CohortTooLarge`.
    ///      Emits a {ParticipantAdded} event per account.
    /// @param taskId the task.
    /// @param accounts the accounts to list from the next round on.
    function addParticipants(uint256 taskId, address[] calldata accounts) external;

    /// @notice Removes participants from the next round on; a round already open keeps its cohort.
    /// @dev Only the task's owner (`NotTaskOwner`), at any time. Each account must be listed for the next
    ///      round (`NotParticipant`). Its rights to rounds already opened never change; an interval that
    ///      covered no opened round yet is dropped. Emits a {ParticipantRemoved} event per account.
    /// @param taskId the task.
    /// @param accounts the accounts to unlist from the next round on.
    function removeParticipants(uint256 taskId, address[] calldata accounts) external;

    // ------------------------------------------------------------------------------------------
    // Rounds
    // ------------------------------------------------------------------------------------------

    /// @notice Opens the next round. The owner commits to the global model every participant must
    ///         start from (round 1: the task's initial model; later: the model after the previous
    ///         aggregate, or unchanged after a failed round).
    /// @dev Only the task's owner (`NotTaskOwner`), when the task has rounds left (`NoRoundsLeft`), the
    ///      previous round is `Revealed` or `Failed` (`PreviousRoundPending`) and at least `minCohort`
    ///      accounts are listed (`CohortTooSmall`); round 1 must commit to the task's `modelHash`
    ///      (`InitialModelMismatch`). Snapshots the eligible cohort and sets the deadline to now +
    ///      `roundDuration`. Emits a {RoundOpened} event.
    /// @param taskId the task.
    /// @param globalModelHash commitment to the round's starting global model.
    function openRound(uint256 taskId, bytes32 globalModelHash) external;

    /// @notice Submits one chunk of the caller's encrypted update for the open round.
    /// @dev Only a participant listed for `round` (`NotEligible`), while `round` is the current round
    ///      (`NotCurrentRound`), open (`RoundNotOpen`) and before its deadline (`SubmissionDeadlinePassed`);
    ///      each chunk once per participant (`ChunkAlreadySubmitted`). The chunk must match the task's
    ///      layout (`ChunkOutOfRange`, `WrongWordCount`, `WrongProofCount`, `EmptyInputProof`), and every
    ///      proof must be bound to this contract and the caller (else the fhEVM's InputVerifier reverts).
    ///      Word i must be covered by proof i / WORDS_PER_PROOF (the client encrypts in batches of 16 words).
    ///      Each word is masked to `valueBits` per lane, then added to the accumulator. Emits a
    ///      {ChunkSubmitted} event, and a {ParticipantCompleted} event with the caller's last chunk.
    /// @param taskId the task.
    /// @param round the open round (guards against a stale client submitting into a newer round).
    /// @param chunk chunk index; its words are [chunk * wordsPerChunk, ...) of the packed update.
    /// @param words encrypted euint128 handles, one per word of the chunk.
    /// @param proofs input proofs, one per 16 words, each bound to this contract and the caller.
    function submitChunk(
        uint256 taskId,
        uint32 round,
        uint32 chunk,
        externalEuint128[] calldata words,
        bytes[] calldata proofs
    ) external;

    /// @notice Ends submissions. The owner may close as soon as every chunk has `minCohort`
    ///         contributors; anyone may close once every participant is done or the deadline passed.
    /// @dev Only the current round (`NotCurrentRound`) while it is open (`RoundNotOpen`); otherwise
    ///      `RoundNotClosable`. Outcome `Closed` (revealable) if every chunk reached `minCohort`
    ///      contributors, else `Failed`: a failed round's partial sums are never revealed and the next round
    ///      restarts from the same global model. This is what keeps a lone or too-small contribution
    ///      private. Emits a {RoundClosed} event.
    /// @param taskId the task.
    /// @param round the current round.
    function closeRound(uint256 taskId, uint32 round) external;

    /// @notice Reveals a closed round's aggregate, exactly once, to the policy's audience.
    /// @dev Only the task's owner or a participant of `round` (`NotEligible`), once the round is `Closed`
    ///      (`RoundNotClosed`). The per-word ACL work is done afterwards in ranges by `allowAggregate`, so
    ///      that models of any size fit the per-transaction gas cap. Emits a {RoundRevealed} event.
    /// @param taskId the task.
    /// @param round the round to reveal.
    function revealRound(uint256 taskId, uint32 round) external;

    // ------------------------------------------------------------------------------------------
    // Decryption
    // ------------------------------------------------------------------------------------------

    /// @notice Materialises access to words [fromWord, fromWord + count) of a revealed aggregate.
    ///         PARTICIPANTS policy: grants the caller (owner or a participant of that round) user
    ///         decryption. PUBLIC policy: makes the words publicly decryptable (anyone may call).
    /// @dev Once the round is `Revealed` (`RoundNotRevealed`), for a non-empty range within the task's words
    ///      (`WordRangeOutOfBounds`); under PARTICIPANTS only by the owner or a participant of `round`
    ///      (`NotEligible`). May be called again for the same range. Emits an {AggregateAccessGranted}
    ///      event (PARTICIPANTS) or an {AggregateMadePublic} event (PUBLIC).
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param fromWord the first word of the range.
    /// @param count the number of words in the range (at least 1).
    function allowAggregate(uint256 taskId, uint32 round, uint32 fromWord, uint32 count) external;

    /// @notice PUBLIC policy: posts the clear lane sums of one decryption batch (16 words) with the
    ///         KMS proof; the contract verifies the KMS signatures and records a commitment.
    /// @dev Anyone may call, on a PUBLIC task (`WrongPolicy`) once the round is `Revealed`
    ///      (`RoundNotRevealed`), each batch once (`BatchOutOfRange`, `BatchAlreadyPublished`), with 32 bytes
    ///      per word (`WrongClearLength`) and a valid KMS proof for exactly these handles in this order
    ///      (fhEVM `InvalidKMSSignatures`). The words must have been made public (`allowAggregate`) for the KMS
    ///      to decrypt them. Emits the fhEVM's {PublicDecryptionVerified} event and a
    ///      {ClearAggregateBatchPublished} event; with the round's last missing batch also a
    ///      {ClearAggregatePublished} event.
    /// @param taskId the task.
    /// @param round the revealed round.
    /// @param batch words [batch * 16, batch * 16 + 16) of the aggregate (the last batch may be short).
    /// @param abiEncodedClears the clear words, ABI-encoded in handle order (as the KMS returns them).
    /// @param decryptionProof the KMS proof returned with the public decryption.
    function publishClearAggregate(
        uint256 taskId,
        uint32 round,
        uint32 batch,
        bytes calldata abiEncodedClears,
        bytes calldata decryptionProof
    ) external;

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice Number of tasks created; ids run from 1 to this value.
    /// @dev Anyone may call.
    /// @return count the number of tasks.
    function taskCount() external view returns (uint256 count);

    /// @notice A task's configuration, derived layout and progress.
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @return task the task as stored, with its layout.
    function getTask(uint256 taskId) external view returns (TaskView memory task);

    /// @notice Public state of a round (state None for a round that never opened).
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @param round the round.
    /// @return info the round's state, schedule, cohort counts and global-model commitment.
    function getRound(uint256 taskId, uint32 round) external view returns (RoundInfo memory info);

    /// @notice Everyone ever listed on the task, with every interval of rounds they were listed for.
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @return accounts listed addresses, in the order they were first added.
    /// @return histories each account's membership intervals, oldest first (empty if every interval was
    ///         withdrawn before its first round opened).
    function getParticipants(
        uint256 taskId
    ) external view returns (address[] memory accounts, Membership[][] memory histories);

    /// @notice Whether `account` may submit in (and decrypt the aggregate of) round `round`.
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @param round the round.
    /// @param account the account.
    /// @return eligible true if `account` is listed for `round`.
    function isEligible(uint256 taskId, uint32 round, address account) external view returns (bool eligible);

    /// @notice The first round at or after `fromRound` that `account` is listed for (0: none). A late
    ///         joiner starts from the global model committed for that round.
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist. Does not check the
    ///      round against the task's number of rounds.
    /// @param taskId the task.
    /// @param account the account.
    /// @param fromRound the first round to consider.
    /// @return round the first such round, or 0 if there is none.
    function firstEligibleRound(uint256 taskId, address account, uint32 fromRound) external view returns (uint32 round);

    /// @notice Contributors per chunk in a round: the `n` each chunk's lane sums are decoded with.
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @param round the round.
    /// @return counts one count per chunk of the task.
    function chunkContributors(uint256 taskId, uint32 round) external view returns (uint16[] memory counts);

    /// @notice Which chunks `participant` has submitted in `round` (for resuming after a crash).
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @param round the round.
    /// @param participant the participant.
    /// @return done one flag per chunk of the task.
    function submittedChunks(
        uint256 taskId,
        uint32 round,
        address participant
    ) external view returns (bool[] memory done);

    /// @notice Accumulator handles of words [fromWord, fromWord + count) (zero where nobody contributed).
    /// @dev Anyone may call; reverts with `UnknownTask` or, for a range beyond the task's words,
    ///      `WordRangeOutOfBounds`. A handle is only decryptable as the ACL allows (see `allowAggregate`).
    /// @param taskId the task.
    /// @param round the round.
    /// @param fromWord the first word of the range.
    /// @param count the number of words in the range.
    /// @return handles the euint128 handles, one per word.
    function aggregateHandles(
        uint256 taskId,
        uint32 round,
        uint32 fromWord,
        uint32 count
    ) external view returns (bytes32[] memory handles);

    /// @notice PUBLIC policy: keccak256 over the per-batch hashes of the verified clear aggregate, once
    ///         every batch is published (zero before).
    /// @dev Anyone may call; reverts with `UnknownTask` for an id that does not exist.
    /// @param taskId the task.
    /// @param round the round.
    /// @return commitment keccak256(abi.encodePacked(batch hashes in batch order)), or zero.
    function clearAggregateCommitment(uint256 taskId, uint32 round) external view returns (bytes32 commitment);
}
