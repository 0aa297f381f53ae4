import Foundation
import FuzzTargets
import Testing

/// Tests/FuzzRegressions: one folder per fuzz target, holding the inputs that
/// once crashed it (kept after the fix) and a few interesting corpus inputs.
private let regressions = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

/// Replays every kept fuzz input through its target's entry function, the one
/// libFuzzer calls in `scripts/fuzz`, so found defects stay fixed without libFuzzer.
struct ReplayTests {
    @Test(arguments: FuzzTarget.allCases)
    func keptInputsPass(target: FuzzTarget) throws {
        let folder = regressions.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(!names.isEmpty, "no inputs in \(folder.path)")
        for name in names {
            let input = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            do {
                try input.withUnsafeBufferPointer { try target.run($0) }
            } catch {
                Issue.record("\(target)/\(name): \(error)")
            }
        }
    }
}
