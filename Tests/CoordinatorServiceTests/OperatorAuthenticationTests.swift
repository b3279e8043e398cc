import Coordinator
@testable import CoordinatorService
import Hummingbird
import Synchronization
import XCTest

/// Who a bearer token names: SHA-256 of the token against every operator's digest, in constant
/// time, with no early exit; roles.
final class OperatorAuthenticationTests: XCTestCase {
    static let operators = [
        ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: "alice-token")),
        ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: "bob-token")),
        ServeOperator(name: "carol", role: .read, tokenDigest: TokenDigest(of: "carol-token")),
    ]

    func testTheBearerTokenNamesItsOperator() throws {
        let directory = try XCTUnwrap(OperatorDirectory(Self.operators))
        XCTAssertEqual(directory.authenticate(authorization: "Bearer alice-token"), AuthenticatedOperator(name: "alice", role: .operate))
        XCTAssertEqual(directory.authenticate(authorization: "bearer bob-token"), AuthenticatedOperator(name: "bob", role: .read))
        XCTAssertEqual(directory.authenticate(authorization: "BEARER carol-token"), AuthenticatedOperator(name: "carol", role: .read))
    }

    func testAnythingButAKnownBearerTokenNamesNobody() throws {
        let directory = try XCTUnwrap(OperatorDirectory(Self.operators))
        for header in [nil, "", "Bearer", "Bearer ", "alice-token", "Basic alice-token", "Bearer alice-token ", "Bearer  alice-token",
                       "Bearer alice-tokenx", "Bearer alice-toke", "Bearer d8e8fca2dc0f896fd7cb4cb0031ba249"] {
            XCTAssertNil(directory.authenticate(authorization: header), header ?? "nil")
        }
    }

    func testWithoutOperatorsThereIsNoDirectory() {
        XCTAssertNil(OperatorDirectory([]))
    }

    func testEveryOperatorIsComparedInConstantTimeWhicheverMatches() throws {
        let calls = Mutex<[[UInt8]]>([])
        let directory = try XCTUnwrap(OperatorDirectory(Self.operators) { presented, known in
            calls.withLock { $0.append(known) }
            return ConstantTime.equal(presented, known)
        })
        for (header, name) in [("Bearer alice-token", "alice"), ("Bearer carol-token", "carol"), ("Bearer nobody", nil)] {
            calls.withLock { $0 = [] }
            XCTAssertEqual(directory.authenticate(authorization: header)?.name, name)
            XCTAssertEqual(calls.withLock { $0 }, Self.operators.map(\.tokenDigest.bytes), "\(header): all compared, in order, no early exit")
        }
    }

    func testConstantTimeEqualityComparesWholeArrays() {
        let digest = TokenDigest(of: "alice-token").bytes
        XCTAssertTrue(ConstantTime.equal(digest, digest))
        for index in [0, 15, 31] {
            var other = digest
            other[index] ^= 0x01
            XCTAssertFalse(ConstantTime.equal(digest, other), "differs at \(index)")
        }
        XCTAssertFalse(ConstantTime.equal(digest, Array(digest.dropLast())))
        XCTAssertFalse(ConstantTime.equal([], digest))
        XCTAssertTrue(ConstantTime.equal([], []))
    }

    func testARoleCoversItselfAndLess() throws {
        XCTAssertTrue(OperatorRole.operate.allows(.read))
        XCTAssertTrue(OperatorRole.operate.allows(.operate))
        XCTAssertTrue(OperatorRole.read.allows(.read))
        XCTAssertFalse(OperatorRole.read.allows(.operate))
        XCTAssertNoThrow(try AuthenticatedOperator(name: "alice", role: .operate).require(.operate))
        XCTAssertNoThrow(try AuthenticatedOperator(name: "bob", role: .read).require(.read))
    }

    func testAReadOperatorOnAnOperateEndpointIsForbidden() {
        XCTAssertThrowsError(try AuthenticatedOperator(name: "bob", role: .read).require(.operate)) { error in
            guard let error = error as? APIError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.status, .forbidden)
            XCTAssertEqual(error.code, "forbidden")
            XCTAssertTrue(error.message.contains("bob") && error.message.contains("operate"), error.message)
        }
    }
}
