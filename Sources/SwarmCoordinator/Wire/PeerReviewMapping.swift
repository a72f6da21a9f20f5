import SwarmCore
import SwarmProto
import SwarmStore

/// A peer review is a task: one task of type TASK_TYPE_PEER_REVIEW whose replicas are
/// the reviews. The scheduler already does what a review needs — distinct reviewers
/// (distinct nodes and operators), a quorum, more reviewers when they disagree, escrow,
/// paying those who agreed and refunding the rest, a deadline — so a review is stored
/// and settled exactly as other tasks are, and this type only maps between the two.
///
/// - Reviewers are nodes serving the capability `review` and every expertise asked for;
///   EXPERT reviews also need a reputation of at least `expertReputation`.
/// - A reviewer's output is the JSON form of `openswarm.v1.ReviewSubmission` (its
///   `score` and `feedback`). Reviews agree when their overall scores are within
///   `tolerance` points (numeric tolerance on `score.overall`), and the quorum is the
///   consensus threshold of the reviewer count, rounded up.
/// - The review id is the task id; the subject's bytes are the task's input, so a
///   reviewer needs nothing but its lease.
enum PeerReviewMapping {
    static let capability = "review"
    static let comparedField = "score.overall"
    static let tolerance = 1.0
    static let defaultReviewers = 3
    static let defaultThreshold = 0.66
    static let expertReputation = 80.0
    static let tag = "peer-review"

    /// Labels on the review task that keep what the task itself has no field for.
    enum Label {
        static let level: ProtoStringKey = "openswarm.review.level"
        static let threshold: ProtoStringKey = "openswarm.review.consensus_threshold"
        static let title: ProtoStringKey = "openswarm.review.title"
        static let instructions: ProtoStringKey = "openswarm.review.instructions"
        static let attempt: ProtoStringKey = "openswarm.review.attempt"
    }

    /// What reviewers look at, resolved from a `ReviewSubject`.
    struct Subject {
        var body: [UInt8]
        var mediaType: String
        var title: String
        var instructions: String
        /// The task whose result is reviewed, and its attempt; nil for free content.
        var task: TaskID?
        var attempt: Int?
    }

    /// A review request with the defaults applied and the limits checked.
    struct Request {
        var subject: Subject
        var expertise: [String]
        var urgency: Openswarm_V1_Priority
        var level: Openswarm_V1_ValidationLevel
        var reviewers: Int
        var threshold: Double
        var compensationMicros: Int64?
        var timeLimit: Duration
    }

    /// How long reviewers have when the request does not say: sooner when urgent.
    static func defaultTimeLimit(_ urgency: Openswarm_V1_Priority) -> Duration {
        switch urgency {
        case .critical: .seconds(15 * 60)
        case .high: .seconds(60 * 60)
        case .low: .seconds(24 * 60 * 60)
        case .normal, .unspecified, .unrecognized: .seconds(4 * 60 * 60)
        }
    }

    /// Agreeing reviews needed: the threshold of the reviewer count, rounded up.
    static func quorum(reviewers: Int, threshold: Double) -> Int {
        min(reviewers, max(1, Int((threshold * Double(reviewers) - 1e-9).rounded(.up))))
    }

    /// The review task as submitted.
    static func spec(_ request: Request, swarm: String) -> Openswarm_V1_TaskSpec {
        var definition = Openswarm_V1_TaskDefinition()
        definition.type = .peerReview
        definition.prompt = prompt(request)
        definition.input = request.subject.body
        definition.inputMediaType = request.subject.mediaType
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = Array(Set([capability] + request.expertise)).sorted()
        if request.level == .expert { requirements.minReputation = expertReputation }
        definition.requirements = requirements

        var redundancy = Openswarm_V1_Redundancy()
        redundancy.replicas = UInt32(request.reviewers)
        redundancy.quorum = UInt32(quorum(reviewers: request.reviewers, threshold: request.threshold))
        redundancy.maxReplicas = UInt32(min(64, 2 * request.reviewers))
        redundancy.comparator = .numericTolerance
        redundancy.absoluteTolerance = tolerance
        redundancy.comparedField = comparedField
        redundancy.adaptive = false

        var timeouts = Openswarm_V1_Timeouts()
        timeouts.scheduleToClose = WireTime.duration(request.timeLimit)
        timeouts.startToClose = WireTime.duration(request.timeLimit)

        var spec = Openswarm_V1_TaskSpec()
        spec.swarmID = swarm
        spec.definition = definition
        spec.priority = request.urgency
        spec.redundancy = redundancy
        spec.timeouts = timeouts
        spec.maxCostMicros = request.compensationMicros
        spec.tags = [tag]
        spec.labels = [
            Label.level: request.level.protoName ?? "\(request.level.protoValue)",
            Label.threshold: "\(request.threshold)",
            Label.title: request.subject.title,
            Label.instructions: request.subject.instructions,
        ]
        if let task = request.subject.task {
            spec.parentTaskID = task.rawValue
            if let attempt = request.subject.attempt { spec.labels[Label.attempt] = "\(attempt)" }
        }
        return spec
    }

    /// What reviewers are asked, for runtimes that answer prompts (openai, exec).
    static func prompt(_ request: Request) -> String {
        var lines = [
            "Review the content given as input (\(request.subject.mediaType)): \(request.subject.title)."
        ]
        if !request.subject.instructions.isEmpty {
            lines.append("What it is meant to do: \(request.subject.instructions)")
        }
        if !request.expertise.isEmpty {
            lines.append("Judge it as an expert in: \(request.expertise.joined(separator: ", ")).")
        }
        lines.append(
            "Score overall and, where you can, correctness, efficiency, maintainability, security and completeness, "
                + "each from 0 to 10, with your confidence from 0 to 1. Answer with JSON only, in this form: "
                + #"{"score": {"overall": 7.5, "confidence": 0.8, "dimensions": {"correctness": {"score": 8}, "#
                + #""security": {"score": 6}}}, "feedback": "what to improve"}"#)
        return lines.joined(separator: "\n")
    }

    /// Whether a stored task is a peer review.
    static func isReview(_ stored: StoredTask) -> Bool {
        let wire = TaskSpecMapping.wire(stored.spec)
        return wire.definition?.type == .peerReview
    }

    /// The review a stored review task stands for.
    static func review(_ stored: StoredTask) -> Openswarm_V1_PeerReview {
        let spec = TaskSpecMapping.wire(stored.spec)
        let definition = spec.definition ?? Openswarm_V1_TaskDefinition()
        var review = Openswarm_V1_PeerReview()
        review.id = stored.id.rawValue
        var subject = Openswarm_V1_ReviewSubject()
        if spec.parentTaskID.isEmpty {
            var content = Openswarm_V1_ReviewContent()
            content.title = spec.labels[Label.title] ?? ""
            content.mediaType = definition.inputMediaType
            content.body = definition.input
            content.instructions = spec.labels[Label.instructions] ?? ""
            subject.subject = .content(content)
        } else {
            var reference = Openswarm_V1_ResultReference()
            reference.taskID = spec.parentTaskID
            reference.attemptNumber = spec.labels[Label.attempt].flatMap { UInt32($0) }
            subject.subject = .result(reference)
        }
        review.subject = subject
        review.expertise = (definition.requirements?.capabilities ?? []).filter { $0 != capability }
        review.urgency = spec.priority == .unspecified ? .normal : spec.priority
        review.level = spec.labels[Label.level].flatMap { Openswarm_V1_ValidationLevel(protoName: $0) } ?? .thorough
        let redundancy = stored.spec.redundancy.normalized()
        review.reviewerCount = UInt32(redundancy.replicas)
        review.consensusThreshold =
            spec.labels[Label.threshold].flatMap { Double($0) }
            ?? Double(redundancy.quorum) / Double(redundancy.replicas)
        review.compensationMicros = stored.paidMicros + stored.refundedMicros + stored.escrowMicros
        review.assignedReviewerIDs = stored.attempts.map(\.nodeID.rawValue)
        review.state = state(stored)
        review.submissions = stored.attempts.compactMap { submission(stored, $0) }
        if stored.state == .succeeded { review.aggregateScore = aggregate(review.submissions, paid: stored.paidMicros) }
        review.requestedBy = stored.submitter.rawValue
        review.createTime = WireTime.timestamp(stored.submittedAt)
        if let limit = stored.spec.timeouts.scheduleToClose {
            review.deadline = WireTime.timestamp(stored.submittedAt + limit)
        }
        if let ended = stored.endedAt { review.endTime = WireTime.timestamp(ended) }
        return review
    }

    static func state(_ stored: StoredTask) -> Openswarm_V1_ReviewState {
        switch stored.state {
        case .pending, .ready: stored.attempts.isEmpty ? .requested : .inProgress
        case .leased, .running: .inProgress
        case .succeeded: .completed
        case .cancelled: .cancelled
        case .failed: .expired
        }
    }

    /// One reviewer's recorded review; nil for an attempt without a readable one.
    static func submission(_ stored: StoredTask, _ attempt: Attempt) -> Openswarm_V1_ReviewSubmission? {
        guard let output = attempt.result?.output, var submission = parse(output) else { return nil }
        submission.reviewID = stored.id.rawValue
        submission.reviewerID = attempt.nodeID.rawValue
        if let end = attempt.endTime { submission.submitTime = WireTime.timestamp(end) }
        submission.counted = attempt.verdict == .agreed || attempt.verdict == .acceptedAlone
        submission.paidMicros = attempt.paidMicros
        return submission
    }

    /// A reviewer's output read as a submission (score and feedback only).
    static func parse(_ output: [UInt8]) -> Openswarm_V1_ReviewSubmission? {
        guard
            let parsed = try? Openswarm_V1_ReviewSubmission(
                jsonUTF8Bytes: output, options: ProtoJSONDecodingOptions(ignoreUnknownFields: true)),
            let score = parsed.score
        else { return nil }
        var submission = Openswarm_V1_ReviewSubmission()
        submission.score = score
        submission.feedback = parsed.feedback
        return submission
    }

    /// The output recording a review submitted with SubmitReview: the JSON form of a
    /// ReviewSubmission, except that `score.overall` is written even when it is 0 (proto
    /// JSON leaves zeros out, and a review without an overall score agrees with none).
    static func output(score: Openswarm_V1_QualityScore, feedback: String) -> [UInt8] {
        var scoreJSON = score.jsonUTF8Bytes()
        if score.overall == 0 {
            let rest = scoreJSON.count > 2 ? Array(",".utf8) + scoreJSON.dropFirst() : Array("}".utf8)
            scoreJSON = Array(#"{"overall":0"#.utf8) + rest
        }
        var feedbackOnly = Openswarm_V1_ReviewSubmission()
        feedbackOnly.feedback = feedback
        let feedbackJSON = feedbackOnly.jsonUTF8Bytes()
        let tail = feedbackJSON.count > 2 ? Array(",".utf8) + feedbackJSON.dropFirst() : Array("}".utf8)
        return Array(#"{"score":"#.utf8) + scoreJSON + tail
    }

    /// Why a review cannot be recorded, or nil: scores from 0 to 10, confidences from
    /// 0 to 1, finite.
    static func problem(with score: Openswarm_V1_QualityScore) -> String? {
        func bad(_ value: Double, _ range: ClosedRange<Double>) -> Bool { !value.isFinite || !range.contains(value) }
        if bad(score.overall, 0...10) { return "score.overall must be from 0 to 10, not \(score.overall)" }
        if bad(score.confidence, 0...1) { return "score.confidence must be from 0 to 1, not \(score.confidence)" }
        for (name, dimension) in dimensions(score) {
            if bad(dimension.score, 0...10) { return "score.dimensions.\(name).score must be from 0 to 10" }
            if bad(dimension.confidence, 0...1) { return "score.dimensions.\(name).confidence must be from 0 to 1" }
        }
        return nil
    }

    /// The combined score of the counted reviews: the mean of each figure over the
    /// reviews that gave it.
    static func aggregate(_ submissions: [Openswarm_V1_ReviewSubmission], paid: Int64) -> Openswarm_V1_QualityScore {
        let counted = submissions.filter(\.counted)
        let scores = counted.compactMap(\.score)
        var aggregate = Openswarm_V1_QualityScore()
        guard !scores.isEmpty else { return aggregate }
        aggregate.overall = mean(scores.map(\.overall))
        aggregate.confidence = mean(scores.map(\.confidence))
        var dimensions = Openswarm_V1_QualityDimensions()
        func combined(_ pick: (Openswarm_V1_QualityDimensions) -> Openswarm_V1_DimensionScore?)
            -> Openswarm_V1_DimensionScore?
        {
            let given = scores.compactMap { $0.dimensions.flatMap(pick) }
            guard !given.isEmpty else { return nil }
            var dimension = Openswarm_V1_DimensionScore()
            dimension.score = mean(given.map(\.score))
            dimension.confidence = mean(given.map(\.confidence))
            dimension.evidence = given.flatMap(\.evidence)
            dimension.findings = given.flatMap(\.findings)
            return dimension
        }
        dimensions.correctness = combined(\.correctness)
        dimensions.efficiency = combined(\.efficiency)
        dimensions.maintainability = combined(\.maintainability)
        dimensions.security = combined(\.security)
        dimensions.completeness = combined(\.completeness)
        aggregate.dimensions = dimensions
        aggregate.reviewerIDs = counted.map(\.reviewerID)
        aggregate.improvements = scores.flatMap(\.improvements)
        var validation = Openswarm_V1_ValidationInfo()
        validation.method = .peerReview
        validation.reviewerCount = UInt32(counted.count)
        validation.reviewerIDs = counted.map(\.reviewerID)
        validation.consensusStrength = Double(counted.count) / Double(submissions.count)
        validation.validationCostMicros = paid
        aggregate.validation = validation
        return aggregate
    }

    private static func dimensions(_ score: Openswarm_V1_QualityScore) -> [(String, Openswarm_V1_DimensionScore)] {
        guard let d = score.dimensions else { return [] }
        let all: [(String, Openswarm_V1_DimensionScore?)] = [
            ("correctness", d.correctness), ("efficiency", d.efficiency), ("maintainability", d.maintainability),
            ("security", d.security), ("completeness", d.completeness),
        ]
        return all.compactMap { name, dimension in dimension.map { (name, $0) } }
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
