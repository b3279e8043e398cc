import Coordinator
import XCTest
@testable import CoordinatorTUI

final class RenderSnapshotTests: XCTestCase {
    func testLoadedConsoleAt120x40() {
        let state = Fixtures.loadedState()
        let grid = render(state, size: state.size)
        print(grid.plainText)
    }
}
