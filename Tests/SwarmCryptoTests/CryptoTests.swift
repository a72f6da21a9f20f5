import Dispatch
import SwarmCrypto
import Synchronization
import XCTest

final class CryptoTests: XCTestCase {
    func testSHA256MatchesTheKnownDigestOfABC() {
        XCTAssertEqual(
            SHA256Digest.hex(SHA256Digest.hash(Array("abc".utf8))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// RFC 8032 section 7.1, test 1: the empty message.
    func testEd25519MatchesRFC8032TestVector() throws {
        let seed = bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let key = try Ed25519PrivateKey(rawRepresentation: seed)
        XCTAssertEqual(
            SHA256Digest.hex(key.publicKey.rawRepresentation),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try key.signature(for: [])
        XCTAssertEqual(
            SHA256Digest.hex(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: []))
    }

    func testResultSignatureBindsTaskAttemptAndOutput() throws {
        let key = try Ed25519PrivateKey()
        let hash = SHA256Digest.hash(Array("output".utf8))
        let signature = try ResultSignature.sign(taskID: "t1", attemptNumber: 2, outputSHA256: hash, key: key)
        XCTAssertTrue(
            ResultSignature.verify(signature, taskID: "t1", attemptNumber: 2, outputSHA256: hash, key: key.publicKey))
        XCTAssertFalse(
            ResultSignature.verify(signature, taskID: "t2", attemptNumber: 2, outputSHA256: hash, key: key.publicKey))
        XCTAssertFalse(
            ResultSignature.verify(signature, taskID: "t1", attemptNumber: 3, outputSHA256: hash, key: key.publicKey))
        let other = SHA256Digest.hash(Array("other".utf8))
        XCTAssertFalse(
            ResultSignature.verify(signature, taskID: "t1", attemptNumber: 2, outputSHA256: other, key: key.publicKey))
        XCTAssertFalse(
            ResultSignature.verify(
                signature, taskID: "t1", attemptNumber: 2, outputSHA256: hash, key: try Ed25519PrivateKey().publicKey))
    }

    /// A key keeps one OpenSSL key for all its signatures, shared by the threads that
    /// sign with it (a worker's attempts report side by side): every signature stays
    /// the deterministic Ed25519 one.
    func testOneKeySignsFromManyThreadsAtOnce() throws {
        let key = try Ed25519PrivateKey()
        let messages = (0..<64).map { Array("message \($0)".utf8) }
        let expected = try messages.map { try key.signature(for: $0) }
        let signatures = Mutex([[UInt8]?](repeating: nil, count: messages.count))
        DispatchQueue.concurrentPerform(iterations: messages.count * 4) { index in
            let position = index % messages.count
            let signature = try? key.signature(for: messages[position])
            signatures.withLock { all in
                if all[position] == nil || all[position] == signature {
                    all[position] = signature
                } else {
                    all[position] = []
                }
            }
        }
        XCTAssertEqual(signatures.withLock { $0 }, expected.map { Optional($0) })
        for (message, signature) in zip(messages, expected) {
            XCTAssertTrue(key.publicKey.isValidSignature(signature, for: message))
        }
    }

    func testMalformedKeysAndSignaturesAreErrorsNotCrashes() {
        XCTAssertThrowsError(try Ed25519PrivateKey(rawRepresentation: [1, 2, 3]))
        XCTAssertThrowsError(try Ed25519PublicKey(rawRepresentation: []))
        let key = try? Ed25519PrivateKey()
        XCTAssertEqual(key?.publicKey.isValidSignature([0, 1], for: [1]), false)
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(constantTimeEquals([1, 2], [1, 2]))
        XCTAssertFalse(constantTimeEquals([1, 2], [1, 3]))
        XCTAssertFalse(constantTimeEquals([1], [1, 2]))
    }

    private func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
