// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FHE, euint128, externalEuint128} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {IFLuFHEAggregator} from "./interfaces/IFLuFHEAggregator.sol";
import {LaneLayout} from "./libraries/LaneLayout.sol";

/// @title FLuFHE encrypted federated-averaging aggregator
/// @notice Holds training tasks, their participant allowlists and rounds, and sums the participants'
///         encrypted, quantized, lane-packed model updates homomorphically. Individual submissions are
///         only ever readable by this contract; a round's aggregate becomes decryptable, per the task's
///         policy, only after the round closed with at least `minCohort` contributors in every chunk.
/// @dev Every submitted word is ANDed with the lane mask before it is added, so a client can put at most
///      `valueBits` bits into any lane whatever it encrypted: bounded influence and no carries between
///      lanes (the headroom check at task creation guarantees `maxCohort` lane values fit in a lane).
contract FLuFHEAggregator is IFLuFHEAggregator, ZamaEthereumConfig {
    /// @inheritdoc IFLuFHEAggregator
    uint32 public constant WORDS_PER_PROOF = 16;
    /// @inheritdoc IFLuFHEAggregator
    uint32 public constant WORDS_PER_DECRYPTION = 16;
    /// @inheritdoc IFLuFHEAggregator
    uint16 public constant MAX_WORDS_PER_CHUNK = 67;
    /// @inheritdoc IFLuFHEAggregator
    uint64 public constant MAX_ROUND_DURATION = 365 days;
    /// @inheritdoc IFLuFHEAggregator
    uint256 public constant MAX_MEMBERSHIP_INTERVALS = 16;

    struct Task {
        address owner;
        uint8 lanesPerWord;
        uint64 createdBlock; // shares the owner's storage slot
        uint128 laneMask;
        uint32 wordCount;
        uint32 chunkCount;
        uint32 currentRound;
        uint16 participantsNextRound;
        TaskConfig config;
    }

    struct Submission {
        uint32 chunksDone;
        mapping(uint256 => uint256) chunkBits;
    }

    uint256 private _taskCount;
    mapping(uint256 taskId => Task) private _tasks;
    mapping(uint256 taskId => address[]) private _listed;
    mapping(uint256 taskId => mapping(address => bool)) private _everListed;
    /// @dev Every interval each account was listed for, oldest first (see Membership).
    mapping(uint256 taskId => mapping(address => Membership[])) private _members;
    mapping(uint256 taskId => mapping(uint32 round => RoundInfo)) private _rounds;
    mapping(uint256 taskId => mapping(uint32 round => mapping(uint256 word => euint128))) private _acc;
    mapping(uint256 taskId => mapping(uint32 round => mapping(uint256 chunk => uint16))) private _contributors;
    mapping(uint256 taskId => mapping(uint32 round => mapping(address => Submission))) private _submissions;
    mapping(uint256 taskId => mapping(uint32 round => mapping(uint256 batch => bytes32))) private _batchHashes;
    mapping(uint256 taskId => mapping(uint32 round => bytes32)) private _clearCommitments;

    modifier onlyTaskOwner(uint256 taskId) {
        if (_task(taskId).owner != msg.sender) revert NotTaskOwner(taskId, msg.sender);
        _;
    }

    // ------------------------------------------------------------------------------------------
    // Tasks and participants
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IFLuFHEAggregator
    function createTask(TaskConfig calldata config, address[] calldata participants) external returns (uint256 taskId) {
        _validate(config);
        taskId = ++_taskCount;
        Task storage t = _tasks[taskId];
        CodecConfig calldata c = config.codec;
        t.owner = msg.sender;
        t.createdBlock = uint64(block.number);
        t.config = config;
        t.lanesPerWord = LaneLayout.lanesPerWord(c.laneBits);
        t.laneMask = LaneLayout.laneMask(c.valueBits, c.laneBits);
        (t.chunkCount, t.wordCount) = LaneLayout.shape(c.paramCount, c.wordsPerChunk, c.laneBits);
        emit TaskCreated(taskId, msg.sender, config.modelHash, c.paramCount, t.wordCount, t.chunkCount);
        for (uint256 i = 0; i < participants.length; ++i) {
            _addParticipant(taskId, t, participants[i]);
        }
    }

    /// @inheritdoc IFLuFHEAggregator
    function addParticipants(uint256 taskId, address[] calldata accounts) external onlyTaskOwner(taskId) {
        Task storage t = _tasks[taskId];
        for (uint256 i = 0; i < accounts.length; ++i) {
            _addParticipant(taskId, t, accounts[i]);
        }
    }

    /// @inheritdoc IFLuFHEAggregator
    function removeParticipants(uint256 taskId, address[] calldata accounts) external onlyTaskOwner(taskId) {
        Task storage t = _tasks[taskId];
        uint32 next = t.currentRound + 1;
        for (uint256 i = 0; i < accounts.length; ++i) {
            Membership[] storage history = _members[taskId][accounts[i]];
            if (!_inRound(history, next)) revert NotParticipant(taskId, accounts[i]);
            Membership storage last = history[history.length - 1];
            if (last.joinRound == next) {
                history.pop(); // covers no opened round yet: dropping it changes no past right
            } else {
                last.leaveRound = next;
            }
            --t.participantsNextRound;
            emit ParticipantRemoved(taskId, accounts[i], next);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Rounds
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IFLuFHEAggregator
    function openRound(uint256 taskId, bytes32 globalModelHash) external onlyTaskOwner(taskId) {
        Task storage t = _tasks[taskId];
        uint32 previous = t.currentRound;
        if (previous >= t.config.rounds) revert NoRoundsLeft(taskId, t.config.rounds);
        if (previous == 0) {
            if (globalModelHash != t.config.modelHash) revert InitialModelMismatch(t.config.modelHash, globalModelHash);
        } else {
            RoundState s = _rounds[taskId][previous].state;
            if (s != RoundState.Revealed && s != RoundState.Failed) revert PreviousRoundPending(taskId, previous, s);
        }
        if (t.participantsNextRound < t.config.minCohort) {
            revert CohortTooSmall(taskId, t.participantsNextRound, t.config.minCohort);
        }
        uint32 round = previous + 1;
        t.currentRound = round;
        RoundInfo storage r = _rounds[taskId][round];
        r.state = RoundState.Open;
        r.openedAt = uint64(block.timestamp);
        r.deadline = uint64(block.timestamp) + t.config.roundDuration;
        r.globalModelHash = globalModelHash;
        r.eligible = t.participantsNextRound;
        emit RoundOpened(taskId, round, globalModelHash, r.deadline, r.eligible);
    }

    /// @inheritdoc IFLuFHEAggregator
    function submitChunk(
        uint256 taskId,
        uint32 round,
        uint32 chunk,
        externalEuint128[] calldata words,
        bytes[] calldata proofs
    ) external {
        Task storage t = _task(taskId);
        RoundInfo storage r = _openRoundFor(taskId, t, round);
        if (block.timestamp >= r.deadline) revert SubmissionDeadlinePassed(taskId, round, r.deadline);
        if (!_inRound(_members[taskId][msg.sender], round)) revert NotEligible(taskId, round, msg.sender);
        uint32 first = _chunkStart(t, chunk, words.length, proofs.length);
        Submission storage s = _submissions[taskId][round][msg.sender];
        _markSubmitted(s, taskId, round, chunk);

        _accumulate(_acc[taskId][round], first, words, proofs, t.laneMask);

        uint16 contributors = ++_contributors[taskId][round][chunk];
        if (contributors == t.config.minCohort) ++r.chunksAtQuorum;
        emit ChunkSubmitted(taskId, round, chunk, msg.sender, contributors);
        if (++s.chunksDone == t.chunkCount) {
            ++r.completed;
            emit ParticipantCompleted(taskId, round, msg.sender);
        }
    }

    /// @inheritdoc IFLuFHEAggregator
    function closeRound(uint256 taskId, uint32 round) external {
        Task storage t = _task(taskId);
        RoundInfo storage r = _openRoundFor(taskId, t, round);
        bool quorum = r.chunksAtQuorum == t.chunkCount;
        bool closable = block.timestamp >= r.deadline || r.completed == r.eligible || (quorum && msg.sender == t.owner);
        if (!closable) revert RoundNotClosable(taskId, round, r.chunksAtQuorum, t.chunkCount, r.deadline);
        r.state = quorum ? RoundState.Closed : RoundState.Failed;
        emit RoundClosed(taskId, round, r.state, r.chunksAtQuorum);
    }

    /// @inheritdoc IFLuFHEAggregator
    function revealRound(uint256 taskId, uint32 round) external {
        Task storage t = _task(taskId);
        if (msg.sender != t.owner && !_inRound(_members[taskId][msg.sender], round)) {
            revert NotEligible(taskId, round, msg.sender);
        }
        RoundInfo storage r = _rounds[taskId][round];
        if (r.state != RoundState.Closed) revert RoundNotClosed(taskId, round, r.state);
        r.state = RoundState.Revealed;
        emit RoundRevealed(taskId, round, t.config.policy);
    }

    // ------------------------------------------------------------------------------------------
    // Decryption
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IFLuFHEAggregator
    function allowAggregate(uint256 taskId, uint32 round, uint32 fromWord, uint32 count) external {
        Task storage t = _task(taskId);
        RoundInfo storage r = _rounds[taskId][round];
        if (r.state != RoundState.Revealed) revert RoundNotRevealed(taskId, round, r.state);
        if (count == 0 || uint256(fromWord) + count > t.wordCount) {
            revert WordRangeOutOfBounds(fromWord, count, t.wordCount);
        }
        mapping(uint256 => euint128) storage acc = _acc[taskId][round];
        uint256 end = uint256(fromWord) + count;
        if (t.config.policy == DecryptionPolicy.Participants) {
            if (msg.sender != t.owner && !_inRound(_members[taskId][msg.sender], round)) {
                revert NotEligible(taskId, round, msg.sender);
            }
            for (uint256 w = fromWord; w < end; ++w) FHE.allow(acc[w], msg.sender);
            emit AggregateAccessGranted(taskId, round, msg.sender, fromWord, count);
        } else {
            for (uint256 w = fromWord; w < end; ++w) FHE.makePubliclyDecryptable(acc[w]);
            emit AggregateMadePublic(taskId, round, fromWord, count);
        }
    }

    /// @inheritdoc IFLuFHEAggregator
    function publishClearAggregate(
        uint256 taskId,
        uint32 round,
        uint32 batch,
        bytes calldata abiEncodedClears,
        bytes calldata decryptionProof
    ) external {
        Task storage t = _task(taskId);
        if (t.config.policy != DecryptionPolicy.Public) revert WrongPolicy(t.config.policy);
        RoundInfo storage r = _rounds[taskId][round];
        if (r.state != RoundState.Revealed) revert RoundNotRevealed(taskId, round, r.state);
        uint32 batches = _batchCount(t.wordCount);
        if (batch >= batches) revert BatchOutOfRange(batch, batches);
        if (_batchHashes[taskId][round][batch] != bytes32(0)) revert BatchAlreadyPublished(taskId, round, batch);

        bytes32[] memory handles = _batchHandles(taskId, round, batch, t.wordCount);
        if (abiEncodedClears.length != handles.length * 32) {
            revert WrongClearLength(handles.length * 32, abiEncodedClears.length);
        }
        FHE.checkSignatures(handles, abiEncodedClears, decryptionProof);

        bytes32 clearHash = keccak256(abiEncodedClears);
        _batchHashes[taskId][round][batch] = clearHash;
        emit ClearAggregateBatchPublished(taskId, round, batch, clearHash);
        if (++r.publishedBatches == batches) {
            bytes32 commitment = _commitment(taskId, round, batches);
            _clearCommitments[taskId][round] = commitment;
            emit ClearAggregatePublished(taskId, round, commitment);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @inheritdoc IFLuFHEAggregator
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc IFLuFHEAggregator
    function getTask(uint256 taskId) external view returns (TaskView memory v) {
        Task storage t = _task(taskId);
        v.owner = t.owner;
        v.config = t.config;
        v.lanesPerWord = t.lanesPerWord;
        v.laneMask = t.laneMask;
        v.wordCount = t.wordCount;
        v.chunkCount = t.chunkCount;
        v.currentRound = t.currentRound;
        v.participantsNextRound = t.participantsNextRound;
        v.createdBlock = t.createdBlock;
    }

    /// @inheritdoc IFLuFHEAggregator
    function getRound(uint256 taskId, uint32 round) external view returns (RoundInfo memory) {
        _task(taskId);
        return _rounds[taskId][round];
    }

    /// @inheritdoc IFLuFHEAggregator
    function getParticipants(
        uint256 taskId
    ) external view returns (address[] memory accounts, Membership[][] memory histories) {
        _task(taskId);
        accounts = _listed[taskId];
        histories = new Membership[][](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) histories[i] = _members[taskId][accounts[i]];
    }

    /// @inheritdoc IFLuFHEAggregator
    function isEligible(uint256 taskId, uint32 round, address account) external view returns (bool) {
        _task(taskId);
        return _inRound(_members[taskId][account], round);
    }

    /// @inheritdoc IFLuFHEAggregator
    function firstEligibleRound(uint256 taskId, address account, uint32 fromRound) external view returns (uint32) {
        _task(taskId);
        Membership[] storage history = _members[taskId][account];
        for (uint256 i = 0; i < history.length; ++i) {
            Membership storage m = history[i];
            if (m.leaveRound != 0 && m.leaveRound <= fromRound) continue;
            return m.joinRound > fromRound ? m.joinRound : fromRound;
        }
        return 0;
    }

    /// @inheritdoc IFLuFHEAggregator
    function chunkContributors(uint256 taskId, uint32 round) external view returns (uint16[] memory counts) {
        Task storage t = _task(taskId);
        counts = new uint16[](t.chunkCount);
        for (uint256 c = 0; c < counts.length; ++c) counts[c] = _contributors[taskId][round][c];
    }

    /// @inheritdoc IFLuFHEAggregator
    function submittedChunks(
        uint256 taskId,
        uint32 round,
        address participant
    ) external view returns (bool[] memory done) {
        Task storage t = _task(taskId);
        Submission storage s = _submissions[taskId][round][participant];
        done = new bool[](t.chunkCount);
        for (uint256 c = 0; c < done.length; ++c) done[c] = (s.chunkBits[c >> 8] >> (c & 255)) & 1 == 1;
    }

    /// @inheritdoc IFLuFHEAggregator
    function aggregateHandles(
        uint256 taskId,
        uint32 round,
        uint32 fromWord,
        uint32 count
    ) external view returns (bytes32[] memory handles) {
        Task storage t = _task(taskId);
        if (uint256(fromWord) + count > t.wordCount) revert WordRangeOutOfBounds(fromWord, count, t.wordCount);
        handles = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) handles[i] = FHE.toBytes32(_acc[taskId][round][fromWord + i]);
    }

    /// @inheritdoc IFLuFHEAggregator
    function clearAggregateCommitment(uint256 taskId, uint32 round) external view returns (bytes32) {
        _task(taskId);
        return _clearCommitments[taskId][round];
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Masks and adds every word of a chunk into the accumulator. The first contribution to a word
    ///      becomes its accumulator directly (saves one encrypted add); only this contract is allowed on it.
    function _accumulate(
        mapping(uint256 => euint128) storage acc,
        uint32 first,
        externalEuint128[] calldata words,
        bytes[] calldata proofs,
        uint128 mask
    ) private {
        bytes memory proof;
        for (uint256 i = 0; i < words.length; ++i) {
            if (i % WORDS_PER_PROOF == 0) {
                proof = proofs[i / WORDS_PER_PROOF];
                if (proof.length == 0) revert EmptyInputProof(i / WORDS_PER_PROOF);
            }
            euint128 masked = FHE.and(FHE.fromExternal(words[i], proof), mask);
            euint128 current = acc[first + i];
            euint128 next = FHE.isInitialized(current) ? FHE.add(current, masked) : masked;
            FHE.allowThis(next);
            acc[first + i] = next;
        }
    }

    /// @dev Validates a chunk's index, word count and proof count; returns its first word.
    function _chunkStart(
        Task storage t,
        uint32 chunk,
        uint256 wordsGiven,
        uint256 proofsGiven
    ) private view returns (uint32 first) {
        if (chunk >= t.chunkCount) revert ChunkOutOfRange(chunk, t.chunkCount);
        uint32 count;
        (first, count) = LaneLayout.chunkWords(chunk, t.config.codec.wordsPerChunk, t.wordCount);
        if (wordsGiven != count) revert WrongWordCount(chunk, count, wordsGiven);
        uint256 proofCount = (uint256(count) + WORDS_PER_PROOF - 1) / WORDS_PER_PROOF;
        if (proofsGiven != proofCount) revert WrongProofCount(proofCount, proofsGiven);
    }

    /// @dev Records that the caller submitted `chunk`; a second submission of it reverts.
    function _markSubmitted(Submission storage s, uint256 taskId, uint32 round, uint32 chunk) private {
        uint256 bit = uint256(1) << (chunk & 255);
        uint256 bits = s.chunkBits[chunk >> 8];
        if (bits & bit != 0) revert ChunkAlreadySubmitted(taskId, round, chunk, msg.sender);
        s.chunkBits[chunk >> 8] = bits | bit;
    }

    function _addParticipant(uint256 taskId, Task storage t, address account) private {
        if (account == address(0)) revert ZeroAddress();
        uint32 next = t.currentRound + 1;
        Membership[] storage history = _members[taskId][account];
        if (_inRound(history, next)) revert AlreadyParticipant(taskId, account);
        if (!_everListed[taskId][account]) {
            _everListed[taskId][account] = true;
            _listed[taskId].push(account);
        }
        uint256 n = history.length;
        if (n != 0 && history[n - 1].leaveRound == next) {
            history[n - 1].leaveRound = 0; // removal had not taken effect yet: membership simply continues
        } else {
            if (n >= MAX_MEMBERSHIP_INTERVALS) revert MembershipHistoryFull(taskId, account);
            history.push(Membership({joinRound: next, leaveRound: 0}));
        }
        if (++t.participantsNextRound > t.config.maxCohort) revert CohortTooLarge(taskId, t.config.maxCohort);
        emit ParticipantAdded(taskId, account, next);
    }

    function _openRoundFor(uint256 taskId, Task storage t, uint32 round) private view returns (RoundInfo storage r) {
        if (round != t.currentRound) revert NotCurrentRound(taskId, t.currentRound, round);
        r = _rounds[taskId][round];
        if (r.state != RoundState.Open) revert RoundNotOpen(taskId, round, r.state);
    }

    function _task(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.owner == address(0)) revert UnknownTask(taskId);
    }

    function _batchHandles(
        uint256 taskId,
        uint32 round,
        uint32 batch,
        uint32 wordCount
    ) private view returns (bytes32[] memory handles) {
        uint256 first = uint256(batch) * WORDS_PER_DECRYPTION;
        uint256 end = first + WORDS_PER_DECRYPTION;
        if (end > wordCount) end = wordCount;
        handles = new bytes32[](end - first);
        for (uint256 i = 0; i < handles.length; ++i) handles[i] = FHE.toBytes32(_acc[taskId][round][first + i]);
    }

    function _commitment(uint256 taskId, uint32 round, uint32 batches) private view returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](batches);
        for (uint256 b = 0; b < batches; ++b) hashes[b] = _batchHashes[taskId][round][b];
        return keccak256(abi.encodePacked(hashes));
    }

    function _batchCount(uint32 wordCount) private pure returns (uint32) {
        return (wordCount + WORDS_PER_DECRYPTION - 1) / WORDS_PER_DECRYPTION;
    }

    /// @dev Walks the history newest first: most checks are about the current or next round.
    function _inRound(Membership[] storage history, uint32 round) private view returns (bool) {
        for (uint256 i = history.length; i > 0; --i) {
            Membership storage m = history[i - 1];
            if (m.joinRound <= round && (m.leaveRound == 0 || round < m.leaveRound)) return true;
            if (m.joinRound <= round) return false; // older intervals end before this one starts
        }
        return false;
    }

    function _validate(TaskConfig calldata config) private pure {
        CodecConfig calldata c = config.codec;
        if (c.valueBits < 2 || c.valueBits > 32) revert InvalidValueBits(c.valueBits);
        if (c.laneBits <= c.valueBits || c.laneBits > LaneLayout.WORD_BITS) {
            revert InvalidLaneBits(c.valueBits, c.laneBits);
        }
        if (config.minCohort < 2 || config.maxCohort < config.minCohort) {
            revert InvalidCohort(config.minCohort, config.maxCohort);
        }
        // The sum of maxCohort lane values must stay below 2^L, or it would carry into the next lane.
        uint256 laneMax = (uint256(1) << c.valueBits) - 1;
        if (uint256(config.maxCohort) * laneMax >= (uint256(1) << c.laneBits)) {
            revert HeadroomTooSmall(config.maxCohort, c.valueBits, c.laneBits);
        }
        if (c.wordsPerChunk > MAX_WORDS_PER_CHUNK) revert ChunkTooLarge(c.wordsPerChunk, MAX_WORDS_PER_CHUNK);
        if (c.paramCount == 0 || c.wordsPerChunk == 0 || LaneLayout.paramsPerChunk(c.wordsPerChunk, c.laneBits) == 0) {
            revert InvalidChunking(c.paramCount, c.wordsPerChunk);
        }
        if (c.weightFloor == 0 || c.weightFloor > laneMax) revert InvalidWeightFloor(c.weightFloor, c.valueBits);
        if (c.clipMicros == 0) revert InvalidClip();
        if (config.rounds == 0 || config.roundDuration == 0)
            revert InvalidSchedule(config.rounds, config.roundDuration);
        if (config.roundDuration > MAX_ROUND_DURATION) {
            revert RoundDurationTooLong(config.roundDuration, MAX_ROUND_DURATION);
        }
        _validatePrivacy(config.privacy);
    }

    /// @dev All zero (no promise) or every term set and in range; the epsilon itself is checked by participants.
    function _validatePrivacy(PrivacyTerms calldata p) private pure {
        bool none = p.noiseMicros == 0;
        bool anySet =
            p.clipMicros != 0 ||
                p.samplingNanos != 0 ||
                p.stepsPerRound != 0 ||
                p.deltaAtto != 0 ||
                p.epsilonMicros != 0;
        if (none) {
            if (anySet) revert InvalidPrivacy();
            return;
        }
        if (
            p.clipMicros == 0 ||
            p.samplingNanos == 0 ||
            p.samplingNanos > 1e9 ||
            p.stepsPerRound == 0 ||
            p.deltaAtto == 0 ||
            p.deltaAtto >= 1e18 ||
            p.epsilonMicros == 0
        ) revert InvalidPrivacy();
    }
}
