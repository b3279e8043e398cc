@testable import CoordinatorService
import XCTest

final class WebhookDeliveryMemoryTests: XCTestCase {
    func testANewIdIsRememberedAndItsSecondArrivalIsADuplicate() {
        let memory = DeliveryMemory()
        XCTAssertTrue(memory.remember("72d3162e-cc78-11e3-81ab-4c9367dc0958"))
        XCTAssertFalse(memory.remember("72d3162e-cc78-11e3-81ab-4c9367dc0958"))
        XCTAssertTrue(memory.remember("72d3162e-cc78-11e3-81ab-4c9367dc0959"))
        XCTAssertEqual(memory.count, 2)
    }

    func testTheOldestIdIsForgottenFirstOnceFull() {
        let memory = DeliveryMemory(capacity: 3)
        for id in ["a", "b", "c", "d"] { XCTAssertTrue(memory.remember(id)) }
        XCTAssertEqual(memory.count, 3)
        XCTAssertFalse(memory.contains("a"), "the oldest goes first")
        XCTAssertTrue(memory.contains("b"))
        XCTAssertTrue(memory.contains("d"))
        // A duplicate does not refresh or reorder anything: "b" is still the next to go.
        XCTAssertFalse(memory.remember("b"))
        XCTAssertTrue(memory.remember("e"))
        XCTAssertFalse(memory.contains("b"))
        XCTAssertTrue(memory.contains("c"))
        XCTAssertTrue(memory.remember("a"), "a forgotten id is new again")
    }

    func testTheDefaultHoldsTenThousandIds() {
        let memory = DeliveryMemory()
        for index in 0..<10_001 { _ = memory.remember("delivery-\(index)") }
        XCTAssertEqual(memory.count, 10_000)
        XCTAssertFalse(memory.contains("delivery-0"))
        XCTAssertTrue(memory.contains("delivery-1"))
        XCTAssertTrue(memory.contains("delivery-10000"))
    }

    func testACapacityBelowOneHoldsOne() {
        let memory = DeliveryMemory(capacity: 0)
        XCTAssertTrue(memory.remember("a"))
        XCTAssertFalse(memory.remember("a"))
        XCTAssertTrue(memory.remember("b"))
        XCTAssertEqual(memory.count, 1)
    }

    func testConcurrentCopiesOfOneDeliveryAreNewExactlyOnce() async {
        let memory = DeliveryMemory(capacity: 100)
        let newCount = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { memory.remember("same") } }
            var count = 0
            for await isNew in group where isNew { count += 1 }
            return count
        }
        XCTAssertEqual(newCount, 1)
    }
}
