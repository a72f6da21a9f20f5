import ArgumentParser
import SwarmProto

/// `openswarm review request|get`: peer reviews of a result or of a file's content.
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Peer reviews by reviewer nodes.",
        subcommands: [Request.self, Get.self])

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask reviewers to score a task's result or a file's content.",
            discussion: """
                Give --task (its accepted result, or --attempt N) or --file (content sent with the \
                request). The compensation is escrowed from your account; each counted review earns \
                an equal share and the rest is refunded.
                """)
        @OptionGroup var client: ClientOptions
        @Option(help: "Review this task's result.") var task: String?
        @Option(help: "The attempt whose result to review (default the accepted one).") var attempt: UInt32?
        @Option(help: "Review this file's content instead.") var file: String?
        @Option(help: "Title shown to reviewers (with --file).") var title = ""
        @Option(help: "Media type of the file (default text/plain).") var mediaType = ""
        @Option(help: "What the content is meant to do (with --file).") var instructions = ""
        @Option(help: "Reviews wanted (1–32).") var reviewers: UInt32 = 3
        @Option(help: "Tokens shared among the counted reviews (0: the usual price).") var compensation = 0.0
        @Option(help: "Expertise reviewers must serve, e.g. security (repeatable).") var expertise: [String] = []
        @Option(help: "thorough or expert (expert reviewers need reputation 80).") var level = "thorough"
        @Option(help: "low, normal, high or critical; sets the default time limit.") var urgency = "normal"
        @Option(help: "Seconds reviewers have (default by urgency).") var timeLimit: Double?
        @Option(help: "Idempotency key: a repeat returns the review created first.") var requestId = ""
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (task == nil) != (file == nil) else { throw ValidationError("give --task or --file") }
            guard compensation >= 0, compensation < 1e12 else {
                throw ValidationError("--compensation must not be negative")
            }
            if let timeLimit, !(timeLimit >= 1) { throw ValidationError("--time-limit must be at least 1 second") }
        }

        func run() async throws {
            var request = Openswarm_V1_RequestPeerReviewRequest()
            var subject = Openswarm_V1_ReviewSubject()
            if let task {
                var reference = Openswarm_V1_ResultReference()
                reference.taskID = task
                reference.attemptNumber = attempt
                subject.subject = .result(reference)
            } else if let file {
                var content = Openswarm_V1_ReviewContent()
                content.body = try FileBytes.read(file)
                content.title = title.isEmpty ? file : title
                content.mediaType = mediaType
                content.instructions = instructions
                subject.subject = .content(content)
            }
            request.subject = subject
            request.reviewerCount = reviewers
            request.compensationMicros = Int64((compensation * 1_000_000).rounded())
            request.expertise = expertise
            guard let level = Openswarm_V1_ValidationLevel(protoName: "VALIDATION_LEVEL_" + level.uppercased()) else {
                throw ValidationError("--level is thorough or expert, not \(level)")
            }
            request.level = level
            guard let urgency = Openswarm_V1_Priority(protoName: "PRIORITY_" + urgency.uppercased()) else {
                throw ValidationError("--urgency is low, normal, high or critical, not \(urgency)")
            }
            request.urgency = urgency
            if let timeLimit {
                var duration = Google_Protobuf_Duration()
                duration.seconds = Int64(timeLimit)
                duration.nanos = Int32((timeLimit - Double(Int64(timeLimit))) * 1e9)
                request.timeLimit = duration
            }
            request.requestID = requestId
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(
                    Openswarm_V1_QualityService.Method.requestPeerReview, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let review = response.review ?? Openswarm_V1_PeerReview()
            print("\(ReviewCommand.line(review)), \(Money.format(response.escrowedMicros)) escrowed")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a review, its reviews and its score.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Review id.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetReviewRequest()
            request.reviewID = id
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_QualityService.Method.getReview, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            for line in ReviewCommand.lines(response.review ?? Openswarm_V1_PeerReview()) { print(line) }
        }
    }

    /// One line: id, state, level, reviewers and what is reviewed.
    static func line(_ review: Openswarm_V1_PeerReview) -> String {
        var subject = ""
        switch review.subject?.subject {
        case .result(let reference):
            subject = "the result of task \(reference.taskID)"
            if let attempt = reference.attemptNumber { subject += " attempt \(attempt)" }
        case .content(let content):
            subject = "\"\(content.title)\" (\(content.body.count) bytes)"
        case nil:
            subject = "nothing"
        }
        return "review \(review.id): \(TaskText.name(review.state)) (\(TaskText.name(review.level))), "
            + "\(review.reviewerCount) reviewers of \(subject)"
    }

    /// The review's line, a line per review received, and the aggregate score.
    static func lines(_ review: Openswarm_V1_PeerReview) -> [String] {
        var lines = [line(review)]
        for submission in review.submissions {
            var text = "  \(submission.reviewerID): overall \(score(submission.score?.overall ?? 0))"
            text += submission.counted ? ", counted, paid \(Money.format(submission.paidMicros))" : ", not counted"
            if !submission.feedback.isEmpty { text += ": \(submission.feedback)" }
            lines.append(text)
        }
        if let aggregate = review.aggregateScore {
            lines.append(
                "score: \(score(aggregate.overall)) of 10, confidence \(score(aggregate.confidence)), "
                    + "from \(aggregate.reviewerIDs.count) reviewers")
        }
        return lines
    }

    /// A score with at most two decimals ("8", "8.25").
    static func score(_ value: Double) -> String {
        var text = String((value * 100).rounded() / 100)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
