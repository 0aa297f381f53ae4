import Robots
import URLs

/// A token bucket: `rate` tokens a second, holding at most `capacity`.
struct TokenBucket {
    let rate: Double
    let capacity: Double
    private var tokens: Double
    private var updated: Double

    init(rate: Double, now: Double) {
        self.rate = rate
        // Ten milliseconds' worth, at least one: even spacing without starving
        // a loop that wakes once a millisecond.
        capacity = max(1, rate / 100)
        tokens = capacity
        updated = now
    }

    /// Takes a token if one is there.
    mutating func take(at now: Double) -> Bool {
        refill(now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token will be there.
    mutating func nextToken(after now: Double) -> Double {
        refill(now)
        return tokens >= 1 ? now : now + (1 - tokens) / rate
    }

    private mutating func refill(_ now: Double) {
        tokens = min(capacity, tokens + (now - updated) * rate)
        updated = now
    }
}

/// A first-in first-out queue with O(1) removal from the front.
struct FIFO<Element> {
    private var items: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func append(_ item: Element) { items.append(item) }

    mutating func prepend(_ item: Element) {
        if head > 0 {
            head -= 1
            items[head] = item
        } else {
            items.insert(item, at: 0)
        }
    }

    /// The element `popFirst()` would return, left in place.
    var first: Element? { head < items.count ? items[head] : nil }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    mutating func removeAll() -> [Element] {
        let rest = items[head...].compactMap { $0 }
        items.removeAll()
        head = 0
        return rest
    }
}

/// A binary min-heap of jobs by the time they may start again (retries in backoff).
struct RetryHeap {
    private var jobs: [Job] = []

    var isEmpty: Bool { jobs.isEmpty }
    var count: Int { jobs.count }
    var earliest: Double? { jobs.first?.notBefore }

    mutating func insert(_ job: Job) {
        jobs.append(job)
        var child = jobs.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard jobs[child].notBefore < jobs[parent].notBefore else { break }
            jobs.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest job if it is due at `now`.
    mutating func popDue(at now: Double) -> Job? {
        guard let first = jobs.first, first.notBefore <= now else { return nil }
        let last = jobs.removeLast()
        guard !jobs.isEmpty else { return first }
        jobs[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < jobs.count && jobs[left].notBefore < jobs[smallest].notBefore { smallest = left }
            if right < jobs.count && jobs[right].notBefore < jobs[smallest].notBefore { smallest = right }
            guard smallest != parent else { break }
            jobs.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    mutating func removeAll() -> [Job] {
        defer { jobs.removeAll() }
        return jobs
    }
}

/// Per-host state: what waits, what is in flight, and when the host may be asked again.
final class HostState {
    /// `scheme://host:port`.
    let key: String
    /// Jobs waiting for a slot, in arrival order (retries go to the front).
    var waiting = FIFO<Job>()
    /// Transfers in flight to this host.
    var inFlight = 0
    /// No request starts before this time: Retry-After cooldowns and --delay spacing.
    var notBefore = 0.0
    /// --host-rate's bucket.
    var bucket: TokenBucket?
    /// Whether the host is in the scheduler's round-robin list.
    var isListed = false
    /// With --robots: nil until the origin's robots.txt is known; its jobs wait until then.
    var robots: RobotsRules?
    /// With --robots: whether the origin's robots.txt request has been queued.
    var robotsRequested = false
    /// robots.txt's Crawl-delay, in milliseconds, a floor under --delay for this host.
    var crawlDelayMilliseconds = 0.0

    init(key: String) { self.key = key }
}

/// Decides which waiting job starts next: global and per-host concurrency,
/// global and per-host rates, per-host delay and cooldowns. Hosts take turns
/// (round robin), so one slow or cooling host never blocks the others.
struct Scheduler {
    let settings: FetchSettings
    private(set) var hosts: [String: HostState] = [:]
    /// Hosts with waiting jobs, visited in turn.
    private var rotation: [HostState] = []
    private var cursor = 0
    private var globalBucket: TokenBucket?
    /// Jobs waiting in host queues (not in flight, not in backoff).
    private(set) var waitingCount = 0
    /// Transfers in flight.
    private(set) var inFlight = 0

    init(settings: FetchSettings, now: Double) {
        self.settings = settings
        globalBucket = settings.rate.map { TokenBucket(rate: $0, now: now) }
    }

    /// Queues a job behind its host's other waiting jobs; a retry goes first.
    mutating func enqueue(_ job: Job, isRetry: Bool = false) {
        let host = state(for: job.hostKey)
        if isRetry { host.waiting.prepend(job) } else { host.waiting.append(job) }
        waitingCount += 1
        if !host.isListed {
            host.isListed = true
            rotation.append(host)
        }
    }

    /// What `nextDispatch` hands out.
    enum Dispatch {
        /// A job allowed to start now, counted as in flight.
        case start(Job)
        /// A job its origin's robots.txt refuses: it took no slot, token or delay.
        case refused(Job)
    }

    /// The next job to start, or to refuse, at `now`; nil when nothing may start yet.
    mutating func nextDispatch(at now: Double) -> Dispatch? {
        guard inFlight < settings.concurrency, !rotation.isEmpty else { return nil }
        if globalBucket != nil, globalBucket!.nextToken(after: now) > now { return nil }
        var visited = 0
        while visited < rotation.count {
            if cursor >= rotation.count { cursor = 0 }
            let host = rotation[cursor]
            if host.waiting.isEmpty {
                host.isListed = false
                rotation.remove(at: cursor)
                continue
            }
            visited += 1
            cursor += 1
            if let rules = host.robots, let first = host.waiting.first, !first.isRobotsRequest,
               !rules.allows(path: requestTarget(first.requestedURL)) {
                _ = host.waiting.popFirst()
                waitingCount -= 1
                return .refused(first)
            }
            guard host.inFlight < settings.perHost, host.notBefore <= now else { continue }
            // Until robots.txt is known, only the robots.txt request itself may start.
            if settings.obeyRobots, host.robots == nil, host.waiting.first?.isRobotsRequest != true { continue }
            if host.bucket != nil, !host.bucket!.take(at: now) { continue }
            _ = globalBucket?.take(at: now)
            let job = host.waiting.popFirst()!
            waitingCount -= 1
            host.inFlight += 1
            inFlight += 1
            let spacing = max(delay(), host.crawlDelayMilliseconds)
            if spacing > 0 {
                host.notBefore = now + spacing / 1000
            }
            return .start(job)
        }
        return nil
    }

    /// Marks a job's transfer as finished.
    mutating func finished(_ job: Job, at now: Double) {
        let host = state(for: job.hostKey)
        host.inFlight -= 1
        inFlight -= 1
        // Drop the host's state once nothing depends on it, so a million
        // distinct hosts do not accumulate; rate buckets and pending cooldowns stay.
        if host.inFlight == 0 && host.waiting.isEmpty && !host.isListed && host.bucket == nil && host.notBefore <= now
            && !settings.obeyRobots {
            hosts[host.key] = nil
        }
    }

    /// The host's state, for robots.txt bookkeeping.
    mutating func host(_ key: String) -> HostState { state(for: key) }

    /// Holds every request to `hostKey` until `time` (Retry-After: the whole host cools down).
    mutating func coolDown(_ hostKey: String, until time: Double) {
        let host = state(for: hostKey)
        host.notBefore = max(host.notBefore, time)
    }

    /// The earliest time a waiting job could become startable by the clock alone
    /// (cooldowns, delays, tokens), or nil when only a finishing transfer can help.
    mutating func nextWakeUp(after now: Double) -> Double? {
        guard inFlight < settings.concurrency else { return nil }
        var earliest: Double?
        if globalBucket != nil {
            let token = globalBucket!.nextToken(after: now)
            if token > now { return token }
        }
        for host in rotation where !host.waiting.isEmpty && host.inFlight < settings.perHost
            && (!settings.obeyRobots || host.robots != nil || host.waiting.first?.isRobotsRequest == true) {
            var time = host.notBefore
            if host.bucket != nil { time = max(time, host.bucket!.nextToken(after: now)) }
            earliest = min(earliest ?? time, time)
        }
        return earliest
    }

    /// Removes every waiting job (for cancellation).
    mutating func drainWaiting() -> [Job] {
        var jobs: [Job] = []
        for host in rotation { jobs += host.waiting.removeAll() }
        rotation.removeAll()
        waitingCount = 0
        return jobs
    }

    private mutating func state(for key: String) -> HostState {
        if let host = hosts[key] { return host }
        let host = HostState(key: key)
        if let rate = settings.hostRate { host.bucket = TokenBucket(rate: rate, now: 0) }
        hosts[key] = host
        return host
    }

    private func delay() -> Double {
        guard settings.jitter else { return settings.delayMilliseconds }
        return settings.delayMilliseconds * Double.random(in: 0.5...1.5)
    }
}
