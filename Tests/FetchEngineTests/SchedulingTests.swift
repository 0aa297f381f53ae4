import Testing
@testable import FetchEngine

private func job(_ host: String, _ sequence: Int = 0) -> Job {
    Job(sequence: sequence, requestedURL: "http://\(host)/", hostKey: host, inputObject: nil)
}

extension Scheduler {
    /// The next job that starts, for tests without robots.txt refusals.
    mutating func nextJob(at now: Double) -> Job? {
        guard case .start(let job) = nextDispatch(at: now) else { return nil }
        return job
    }
}

struct SchedulingTests {
    @Test func tokenBucketSpacesTokens() {
        var bucket = TokenBucket(rate: 2, now: 0)
        let first = bucket.take(at: 0)
        let second = bucket.take(at: 0.1)
        let next = bucket.nextToken(after: 0.1)
        let third = bucket.take(at: 0.5)
        #expect(first && !second && third)
        #expect(abs(next - 0.5) < 1e-9)
    }

    @Test func retryHeapReleasesInTimeOrder() {
        var heap = RetryHeap()
        for (index, time) in [5.0, 1.0, 3.0, 2.0, 4.0].enumerated() {
            let item = job("h\(index)", index)
            item.notBefore = time
            heap.insert(item)
        }
        #expect(heap.earliest == 1)
        let early = heap.popDue(at: 0.5)
        #expect(early == nil)
        var order: [Double] = []
        while let next = heap.popDue(at: 10) { order.append(next.notBefore) }
        #expect(order == [1, 2, 3, 4, 5])
    }

    @Test func fifoKeepsOrderAndTakesRetriesFirst() {
        var fifo = FIFO<Int>()
        for n in 0..<100 { fifo.append(n) }
        for _ in 0..<70 { _ = fifo.popFirst() }
        fifo.prepend(-1)
        #expect(fifo.popFirst() == -1)
        #expect(fifo.popFirst() == 70)
        #expect(fifo.count == 29)
    }

    @Test func perHostAndGlobalLimitsHold() {
        var settings = FetchSettings()
        settings.concurrency = 3
        settings.perHost = 2
        var scheduler = Scheduler(settings: settings, now: 0)
        for n in 0..<4 { scheduler.enqueue(Job(sequence: n, requestedURL: "a\(n)", hostKey: "a", inputObject: nil)) }
        for n in 0..<4 { scheduler.enqueue(Job(sequence: 10 + n, requestedURL: "b\(n)", hostKey: "b", inputObject: nil)) }
        var started: [Job] = []
        while let next = scheduler.nextJob(at: 0) { started.append(next) }
        #expect(started.count == 3)
        #expect(started.filter { $0.hostKey == "a" }.count <= 2)
        #expect(started.filter { $0.hostKey == "b" }.count <= 2)
        scheduler.finished(started[0], at: 0)
        let freed = scheduler.nextJob(at: 0)
        let full = scheduler.nextJob(at: 0)
        #expect(freed != nil && full == nil)
    }

    @Test func aCoolingHostDoesNotBlockOthers() {
        var settings = FetchSettings()
        settings.concurrency = 10
        var scheduler = Scheduler(settings: settings, now: 0)
        scheduler.enqueue(Job(sequence: 0, requestedURL: "a", hostKey: "a", inputObject: nil))
        scheduler.enqueue(Job(sequence: 1, requestedURL: "b", hostKey: "b", inputObject: nil))
        scheduler.coolDown("a", until: 5)
        let other = scheduler.nextJob(at: 1)
        let held = scheduler.nextJob(at: 1)
        let wake = scheduler.nextWakeUp(after: 1)
        let cooled = scheduler.nextJob(at: 5)
        #expect(other?.hostKey == "b")
        #expect(held == nil)
        #expect(wake == 5)
        #expect(cooled?.hostKey == "a")
    }

    @Test func hostRateAndDelayWakeTheLoopOnTime() {
        var settings = FetchSettings()
        settings.hostRate = 0.5
        var scheduler = Scheduler(settings: settings, now: 0)
        for n in 0..<2 { scheduler.enqueue(Job(sequence: n, requestedURL: "a", hostKey: "a", inputObject: nil)) }
        let first = scheduler.nextJob(at: 100)
        let held = scheduler.nextJob(at: 100)
        let wake = scheduler.nextWakeUp(after: 100)
        let second = scheduler.nextJob(at: 102)
        #expect(first != nil && held == nil && second != nil)
        #expect(abs((wake ?? 0) - 102) < 1e-9)
    }
}
