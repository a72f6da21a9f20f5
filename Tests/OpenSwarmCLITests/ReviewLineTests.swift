import SwarmProto
import Testing

@testable import openswarm

/// How `openswarm review` prints a review.
@Suite("Review lines")
struct ReviewLineTests {
    @Test("A review: its state and subject, a line per review, then the score")
    func lines() {
        var content = Openswarm_V1_ReviewContent()
        content.title = "sort.py"
        content.body = Array("def sort(xs): ...".utf8)
        var subject = Openswarm_V1_ReviewSubject()
        subject.subject = .content(content)
        var review = Openswarm_V1_PeerReview()
        review.id = "review-1.0"
        review.subject = subject
        review.state = .completed
        review.level = .thorough
        review.reviewerCount = 3
        var fair = Openswarm_V1_ReviewSubmission()
        fair.reviewerID = "n1"
        var score = Openswarm_V1_QualityScore()
        score.overall = 8.25
        fair.score = score
        fair.counted = true
        fair.paidMicros = 10_000
        fair.feedback = "clear"
        var harsh = Openswarm_V1_ReviewSubmission()
        harsh.reviewerID = "n2"
        score.overall = 2
        harsh.score = score
        review.submissions = [fair, harsh]
        var aggregate = Openswarm_V1_QualityScore()
        aggregate.overall = 8.25
        aggregate.confidence = 0.5
        aggregate.reviewerIDs = ["n1"]
        review.aggregateScore = aggregate
        #expect(
            ReviewCommand.lines(review) == [
                #"review review-1.0: completed (thorough), 3 reviewers of "sort.py" (17 bytes)"#,
                "  n1: overall 8.25, counted, paid 0.01 tokens: clear",
                "  n2: overall 2, not counted",
                "score: 8.25 of 10, confidence 0.5, from 1 reviewers",
            ])
        var reference = Openswarm_V1_ResultReference()
        reference.taskID = "dag-1.0"
        reference.attemptNumber = 2
        subject.subject = .result(reference)
        review.subject = subject
        review.state = .requested
        #expect(
            ReviewCommand.line(review)
                == "review review-1.0: requested (thorough), 3 reviewers of the result of task dag-1.0 attempt 2")
        #expect(ReviewCommand.score(7.05) == "7.05" && ReviewCommand.score(0.1) == "0.1")
    }
}
