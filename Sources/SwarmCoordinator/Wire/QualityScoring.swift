import SwarmCore
import SwarmProto
import SwarmStore

/// Automated quality scores (QualityService.ValidateResult at BASIC level) from what
/// the coordinator holds: the consensus verdict of a result among its task's replicas,
/// and whether there is any output at all. No model judges the content: correctness
/// comes from agreement between independent nodes, so a result nobody checked scores
/// in the middle with low confidence.
enum QualityScoring {
    /// The score of one stored attempt's result.
    static func score(_ task: StoredTask, attempt: Attempt) -> Openswarm_V1_QualityScore {
        let reported = task.attempts.filter { $0.result != nil && $0.verdict != .invalid && $0.verdict != .late }
        let agreeing = task.attempts.filter { $0.verdict == .agreed }
        let strength = reported.isEmpty ? 0 : Double(agreeing.count) / Double(reported.count)
        var correctness = Openswarm_V1_DimensionScore()
        var method = Openswarm_V1_ValidationMethod.automated
        switch attempt.verdict {
        case .agreed:
            correctness.score = 10 * strength
            correctness.confidence = strength
            method = .consensus
            correctness.evidence = [
                evidence("\(agreeing.count) of \(reported.count) replicas agreed on this output")
            ]
        case .dissented:
            correctness.score = 2
            correctness.confidence = 1 - strength
            method = .consensus
            correctness.findings = [
                finding(.high, "disagrees with the quorum", "\(agreeing.count) replicas agreed on another output")
            ]
        case .invalid:
            correctness.score = 0
            correctness.confidence = 1
            correctness.findings = [
                finding(.critical, "refused as invalid", "bad signature or hash, or below a quality threshold")
            ]
        case .acceptedAlone, .pending, .late, nil:
            correctness.score = 5
            correctness.confidence = 0.2
            correctness.evidence = [evidence("no other replica checked this output")]
        }
        let output = attempt.result?.output ?? []
        return combine(
            correctness: correctness, outputSize: output.count, method: method, strength: strength,
            reviewers: method == .consensus ? agreeing.map(\.nodeID.rawValue) : [])
    }

    /// The score of a result supplied inline: its hash and, when its node is known, its
    /// signature (`check` is ResultCheck's verdict).
    static func score(inline result: Openswarm_V1_TaskResult, check: ResultCheck) -> Openswarm_V1_QualityScore {
        var correctness = Openswarm_V1_DimensionScore()
        switch check {
        case .accepted:
            correctness.score = 5
            correctness.confidence = 0.2
            correctness.evidence = [
                evidence(
                    "integrity checks pass (hash; signature when its node is known); no replica checked the content")
            ]
        case .refused(_, _, let message):
            correctness.score = 0
            correctness.confidence = 1
            correctness.findings = [finding(.critical, "integrity check failed", message)]
        }
        return combine(
            correctness: correctness, outputSize: result.output.count, method: .automated, strength: 0, reviewers: [])
    }

    private static func combine(
        correctness: Openswarm_V1_DimensionScore, outputSize: Int, method: Openswarm_V1_ValidationMethod,
        strength: Double, reviewers: [String]
    ) -> Openswarm_V1_QualityScore {
        var completeness = Openswarm_V1_DimensionScore()
        completeness.score = outputSize > 0 ? 10 : 0
        completeness.confidence = outputSize > 0 ? 0.3 : 1
        completeness.metrics = ["output_bytes": Double(outputSize)]
        if outputSize == 0 { completeness.findings = [finding(.high, "empty output", "the result has no output")] }
        var dimensions = Openswarm_V1_QualityDimensions()
        dimensions.correctness = correctness
        dimensions.completeness = completeness
        var score = Openswarm_V1_QualityScore()
        score.dimensions = dimensions
        // Correctness weighs three times completeness: an empty answer that all agree
        // on is still wrong, a non-empty one nobody checked is merely unproven.
        score.overall = (3 * correctness.score + completeness.score) / 4
        score.confidence = (3 * correctness.confidence + completeness.confidence) / 4
        score.reviewerIDs = reviewers
        var validation = Openswarm_V1_ValidationInfo()
        validation.method = method
        validation.reviewerCount = UInt32(reviewers.count)
        validation.reviewerIDs = reviewers
        validation.consensusStrength = strength
        score.validation = validation
        return score
    }

    private static func evidence(_ text: String) -> Openswarm_V1_QualityEvidence {
        var evidence = Openswarm_V1_QualityEvidence()
        evidence.source = "automated:consensus"
        evidence.description_p = text
        return evidence
    }

    private static func finding(_ severity: Openswarm_V1_FindingSeverity, _ title: String, _ details: String)
        -> Openswarm_V1_QualityFinding
    {
        var finding = Openswarm_V1_QualityFinding()
        finding.severity = severity
        finding.title = title
        finding.description_p = details
        return finding
    }
}
