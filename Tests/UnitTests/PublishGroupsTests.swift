@testable import ClosebellCoordinator
import Testing

/// A daily run's chunks leave in doubling groups: the first at once, every chunk exactly once.
@Suite("Chunks published in groups")
struct PublishGroupsTests {
    @Test("1, 2, 4, … chunks, covering every chunk once, in order")
    func doubling() {
        #expect(RunCoordinator.publishGroups(0) == [])
        #expect(RunCoordinator.publishGroups(1) == [0..<1])
        #expect(RunCoordinator.publishGroups(10) == [0..<1, 1..<3, 3..<7, 7..<10])
        for n in [2, 3, 7, 8, 100, 2000] {
            let groups = RunCoordinator.publishGroups(n)
            #expect(groups.flatMap { Array($0) } == Array(0..<n), "\(n)")
            #expect(groups.count == Int.bitWidth - (n).leadingZeroBitCount, "\(n)")
        }
    }
}
