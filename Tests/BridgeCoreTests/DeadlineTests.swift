import BridgeTestSupport
import BridgeTesting
import Foundation
import Testing

@testable import BridgeServer
import BridgeOperatingModel
import BridgeChat

/// The chat routes' answer-in-time guarantee: slow work is answered with the fallback on time and still
/// completes; fast work is answered with its own value and no late fallback follows.
@Suite(.serialized) struct DeadlineTests {
    @Test func slowWorkGetsTheFallbackOnTimeAndStillCompletes() async throws {
        let done = Flag()
        let start = Date()
        let answer = await withDeadline(0.3, fallback: "busy") {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            done.raise()
            return "done"
        }
        let took = Date().timeIntervalSince(start)
        #expect(answer == "busy")
        #expect(took >= 0.3 && took < 0.9, "answered after \(took) s")
        #expect(!done.isRaised)
        try await Task.sleep(nanoseconds: 1_200_000_000)
        #expect(done.isRaised, "the work goes on after the fallback answer")
    }

    /// "The result will be posted in the channel": the late value reaches `late` (ChatRoutes enqueues it to the
    /// command's channel or Slack's response_url); an answer in time never does.
    @Test func aLateValueIsDeliveredAsTheFallbackPromised() async throws {
        let delivered = Box()
        let answer = await withDeadline(0.1, fallback: "busy", late: { delivered.set($0) }) {
            try? await Task.sleep(nanoseconds: 400_000_000)
            return "the timeline"
        }
        #expect(answer == "busy")
        #expect(delivered.value == nil)
        try await Task.sleep(nanoseconds: 600_000_000)
        #expect(delivered.value == "the timeline")
        let onTime = Box()
        #expect(await withDeadline(1, fallback: "busy", late: { onTime.set($0) }) { "quick" } == "quick")
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(onTime.value == nil)
    }

    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var v: String?
        func set(_ s: String) { lock.withLock { v = s } }
        var value: String? { lock.withLock { v } }
    }

    @Test func fastWorkGetsItsOwnValue() async throws {
        for i in 0..<50 {
            let answer = await withDeadline(0.2, fallback: -1) { i }
            #expect(answer == i)
        }
        // Answered requests leave the watcher before their deadline (0.2 s): no fallback is left to fire late.
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(DeadlineWatcher.shared.pending == 0)
    }
}
