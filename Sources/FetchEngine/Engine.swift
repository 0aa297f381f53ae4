#if canImport(Glibc)
import Glibc
#endif
import Archive
import CCurl
import NDJSON
import Robots
import URLs

/// How a run ended.
public struct RunResult: Sendable {
    /// The counters at the end.
    public let counters: RunCounters
    /// The signal that stopped the run early, if one did.
    public let signal: Int32?
    /// Seconds from start to end.
    public let seconds: Double
    /// Why reading the input stopped early, if it did: the records read before it were still answered.
    public let inputError: String?
}

/// afetch's engine: one thread, one libcurl multi handle as the event loop
/// (after curl's own tool_operate.c parallel mode). Input is read only while
/// fewer than `inputWindow` records wait, transfers start when the scheduler
/// allows, a retry goes back with a not-before time instead of a sleeping
/// thread, and every input record leaves as exactly one output record.
public final class Engine {
    private let settings: FetchSettings
    private let input: LineReader
    private let output: OutputWriter
    private let multi: MultiHandle
    private let requestHeaders: CurlStringList
    private let resolveList: CurlStringList
    private var parser = InputParser()
    private var scheduler: Scheduler
    private let formatter: RecordFormatter
    private var retries = RetryHeap()
    /// --warc's writer.
    private let archive: WARCWriter?
    /// Idle transfers, ready for a job.
    private var pool: [Transfer] = []
    /// Transfers with a job, by easy handle address.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    /// --ordered: records that finished before an earlier one, by sequence.
    private var reorder: [Int: [UInt8]] = [:]
    private var nextToWrite = 0
    /// When the oldest record still in the output buffer was written, nil when none is.
    private var unflushedSince: Double?
    /// How long a record may sit in the output buffer: block buffering under load, yet a
    /// reader downstream sees each record soon after it finished. With --resume, none:
    /// the output is usually the file being resumed, so the records of one pass of the
    /// loop are written before the next pass starts, and a crash loses only the transfers
    /// in flight (one write per pass, not per record).
    private let flushDelay: Double
    private var counters = RunCounters()
    private var progress: ProgressLine
    private let signals = SignalWatcher()
    private var inputReadable = true
    private var inputClosed = false
    /// A read error ends the input like EOF does, so work already read still gets its records.
    private var inputError: String?
    /// Set by the first SIGINT/SIGTERM: the signal and when the grace period ends.
    private var stopSignal: Int32?
    private var graceDeadline = Double.infinity
    private let start: Double

    /// Prepares a run reading `input` and writing records to `output`.
    public init(settings: FetchSettings, input: LineReader, output: OutputWriter, showProgress: Bool) throws {
        self.settings = settings
        self.input = input
        self.output = output
        flushDelay = settings.resumeFrom == nil ? 0.05 : 0
        multi = try MultiHandle()
        // Keep enough idle connections for every slot (libcurl's default is 4 per handle added).
        multi.set(CURLMOPT_MAXCONNECTS, max(settings.concurrency * 2, 32))
        requestHeaders = CurlStringList(settings.requestHeaders(decodableCodings: libcurlContentCodings))
        resolveList = CurlStringList(settings.resolve)
        start = monotonicNow()
        scheduler = Scheduler(settings: settings, now: start)
        formatter = RecordFormatter(settings: settings)
        archive = try settings.warcPath.map {
            try WARCWriter(path: $0, maxSize: settings.warcMaxSize, software: "acrawl-afetch/" + settings.version)
        }
        progress = ProgressLine(enabled: showProgress, start: start)
        if let earlier = settings.resumeFrom {
            parser.answered = try ResumeIndex(path: earlier)
        }
    }

    /// Fetches every input record and writes every output record.
    public func run() throws -> RunResult {
        while true {
            let now = monotonicNow()
            readInput()
            promoteDueRetries(at: now)
            startTransfers(at: now)
            if isFinished { break }
            multi.perform()
            let finished = finishCompleted()
            flushIfDue(at: monotonicNow())
            if finished > 0 { continue }
            if stopSignal != nil && now >= graceDeadline { cancelEverything(); continue }
            progress.update(counters, inFlight: scheduler.inFlight, waitingRetries: retries.count, now: now)
            waitForWork(now: now)
        }
        progress.clear()
        output.flush()
        try archive?.close()
        return RunResult(counters: counters, signal: stopSignal, seconds: monotonicNow() - start, inputError: inputError)
    }

    private var isFinished: Bool {
        (inputClosed || stopSignal != nil) && active.isEmpty && scheduler.waitingCount == 0 && retries.isEmpty
    }

    // MARK: - Input

    /// Reads and queues input records while there is room, without blocking.
    private func readInput() {
        guard !inputClosed, stopSignal == nil else { return }
        while hasRoomForInput {
            if let line = input.nextBuffered() {
                accept(line)
                continue
            }
            if input.reachedEOF { inputClosed = true; return }
            guard inputReadable else { return }
            inputReadable = false
            do {
                try input.fill()
            } catch {
                inputError = "\(error)"
                inputClosed = true
                return
            }
        }
    }

    private var hasRoomForInput: Bool {
        let queued = scheduler.waitingCount + scheduler.inFlight + retries.count
        guard queued < settings.inputWindow else { return false }
        // --ordered: bound the records held back for reordering.
        return !settings.ordered || parser.recordCount - nextToWrite < settings.inputWindow
    }

    /// Queues the line's job, or writes its record at once when it needs no
    /// request; with `cancelling`, a job gets its `cancelled` record instead.
    private func accept(_ line: UnsafeBufferPointer<UInt8>, cancelling: FetchError? = nil) {
        switch parser.parse(line) {
        case .skip:
            break
        case .fetch(let job):
            if let cancelling {
                conclude(job, Outcome(error: cancelling), at: monotonicNow())
            } else {
                requestRobotsIfNeeded(for: job)
                scheduler.enqueue(job)
            }
        case .immediate(let failure):
            if failure.error.kind == .badInput {
                formatter.formatBadInput(failure)
            } else {
                formatter.format(url: failure.requestedURL ?? "", inputObject: failure.inputObject,
                                 outcome: Outcome(error: failure.error), attempts: 0, elapsed: 0)
            }
            formatter.withFormatted { write($0, sequence: failure.sequence, ok: false) }
        }
    }

    // MARK: - Transfers

    private func promoteDueRetries(at now: Double) {
        while let job = retries.popDue(at: now) {
            scheduler.enqueue(job, isRetry: true)
        }
    }

    private func startTransfers(at now: Double) {
        guard stopSignal == nil else { return }
        while let dispatch = scheduler.nextDispatch(at: now) {
            guard case .start(let job) = dispatch else {
                if case .refused(let job) = dispatch {
                    conclude(job, Outcome(error: FetchError(.robots, "robots.txt of \(job.hostKey) disallows this URL")), at: now)
                }
                continue
            }
            if job.attempts == 0 { job.firstStart = now }
            job.attempts += 1
            do {
                let transfer = try pool.popLast() ?? Transfer(settings: settings, requestHeaders: requestHeaders, resolve: resolveList)
                try transfer.begin(job, at: now)
                try multi.add(transfer.easy)
                active[transfer.easy.raw] = transfer
            } catch {
                // libcurl refused the handle (out of memory): the record says so, and the run goes on.
                scheduler.finished(job, at: now)
                conclude(job, Outcome(error: FetchError(.protocol, "could not start the transfer: \(error)")), at: now)
            }
        }
    }

    /// Handles every transfer libcurl reports done; returns how many.
    private func finishCompleted() -> Int {
        var finished = 0
        multi.completed { handle, code in
            guard let transfer = active.removeValue(forKey: handle), let job = transfer.job else { return }
            multi.remove(transfer.easy)
            let now = monotonicNow()
            var outcome = Outcome(transfer: transfer, code: code)
            archiveExchanges(of: job, &outcome)
            transfer.job = nil
            pool.append(transfer)
            scheduler.finished(job, at: now)
            conclude(job, outcome, at: now)
            // The body's buffer goes back to the handle for its next page: a new one for
            // each page cost a 16 KB malloc and free, and glibc's consolidation with them.
            transfer.reuseBodyBuffer(&outcome.body)
            finished += 1
        }
        return finished
    }

    /// Retries the job or writes its record.
    private func conclude(_ job: Job, _ outcome: Outcome, at now: Double) {
        if let wait = retryDelay(job, outcome), stopSignal == nil {
            job.notBefore = now + wait
            if outcome.retryAfter != nil {
                scheduler.coolDown(job.hostKey, until: job.notBefore)
            }
            retries.insert(job)
            counters.retries += 1
            return
        }
        if job.isRobotsRequest {
            learnRobots(job.hostKey, from: outcome)
            return
        }
        let elapsed = job.attempts > 0 ? now - job.firstStart : 0
        formatter.format(url: job.requestedURL, inputObject: job.inputObject, outcome: outcome,
                         attempts: job.attempts, elapsed: elapsed)
        formatter.withFormatted { write($0, sequence: job.sequence, ok: outcome.error == nil) }
    }

    /// Seconds to wait before the next attempt, or nil when there is none:
    /// Retry-After when the server sent one, else exponential backoff with full
    /// jitter (a uniform draw up to backoff × 2^(retry-1)), both capped by --max-backoff.
    private func retryDelay(_ job: Job, _ outcome: Outcome) -> Double? {
        guard job.attempts <= settings.retries, let error = outcome.error, !outcome.refusedByPolicy else { return nil }
        let retryable = error.kind.isTransient
            || (error.kind == .http && outcome.status.map(settings.retryStatuses.contains) == true)
        guard retryable else { return nil }
        let cap = settings.maxBackoffMilliseconds / 1000
        if let retryAfter = outcome.retryAfter { return min(retryAfter, cap) }
        let ceiling = min(cap, settings.backoffMilliseconds / 1000 * pow(2, Double(job.attempts - 1)))
        return Double.random(in: 0...max(ceiling, 0))
    }

    /// --warc: writes the attempt's exchanges (each redirect followed, then the last
    /// response); the record says where the last one is. A failed attempt that got an
    /// answer is archived too, before its retry. A failed write is fatal: the archive
    /// would silently miss records.
    private func archiveExchanges(of job: Job, _ outcome: inout Outcome) {
        guard let archive else { return }
        do {
            for exchange in outcome.exchanges {
                outcome.warcLocation = try archive.write(targetURI: exchange.targetURI, requestHead: exchange.request,
                                                         responseHead: exchange.head, responseBody: exchange.body, ipAddress: nil)
            }
        } catch {
            writeToStandardError("afetch: --warc: \(error)\n")
            exitProcess(1)
        }
    }

    // MARK: - robots.txt (RFC 9309)

    /// Queues the origin's robots.txt request ahead of its first job.
    private func requestRobotsIfNeeded(for job: Job) {
        guard settings.obeyRobots else { return }
        let host = scheduler.host(job.hostKey)
        guard !host.robotsRequested else { return }
        host.robotsRequested = true
        let robots = Job(sequence: -1, requestedURL: job.hostKey + "/robots.txt", hostKey: job.hostKey,
                         inputObject: nil, isRobotsRequest: true)
        scheduler.enqueue(robots, isRetry: true)
    }

    /// The rules the robots.txt answer sets for its origin: a 2xx body is parsed,
    /// 3xx and 4xx allow all, 5xx and no answer disallow all (section 2.3.1).
    private func learnRobots(_ hostKey: String, from outcome: Outcome) {
        let rules = RobotsRules(status: outcome.error?.kind == .http || outcome.error == nil ? outcome.status : nil,
                                body: outcome.body, userAgent: settings.userAgent)
        let host = scheduler.host(hostKey)
        host.robots = rules
        host.crawlDelayMilliseconds = (rules.crawlDelay ?? 0) * 1000
    }

    // MARK: - Output

    /// Writes a record, or with --ordered keeps a copy until the records before it are written.
    private func write(_ record: UnsafeBufferPointer<UInt8>, sequence: Int, ok: Bool) {
        if unflushedSince == nil { unflushedSince = monotonicNow() }
        counters.done += 1
        if ok { counters.ok += 1 } else { counters.failed += 1 }
        guard !settings.ordered || sequence == nextToWrite else {
            reorder[sequence] = Array(record)
            return
        }
        output.write(record)
        output.endRecord()
        guard settings.ordered else { return }
        nextToWrite += 1
        while let next = reorder.removeValue(forKey: nextToWrite) {
            output.write(next)
            output.endRecord()
            nextToWrite += 1
        }
    }

    /// Flushes records that have waited `flushDelay`, checked after every pass (found by
    /// FaultMatrixTests: records finished while the engine idled on slow transfers stayed unseen).
    private func flushIfDue(at now: Double) {
        guard let since = unflushedSince, now - since >= flushDelay else { return }
        output.flush()
        unflushedSince = nil
    }

    // MARK: - Waiting and stopping

    /// Polls libcurl's sockets, stdin (when more input is wanted) and the
    /// signal pipe, until one is ready or the next timed event is due.
    private func waitForWork(now: Double) {
        var descriptors = [curl_waitfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)]
        let wantsInput = !inputClosed && stopSignal == nil && hasRoomForInput
        if wantsInput {
            descriptors.append(curl_waitfd(fd: input.fileDescriptor, events: Int16(POLLIN), revents: 0))
        }
        multi.poll(&descriptors, timeoutMilliseconds: timeout(now: now))
        if descriptors[0].revents != 0 { handleSignals() }
        if wantsInput && descriptors[1].revents != 0 { inputReadable = true }
    }

    /// Milliseconds until the next retry, token or cooldown is due (libcurl caps it by its own timers).
    private func timeout(now: Double) -> Int32 {
        var next = stopSignal != nil ? graceDeadline : Double.infinity
        if let since = unflushedSince { next = min(next, since + flushDelay) }
        if let retry = retries.earliest { next = min(next, retry) }
        if let wake = scheduler.nextWakeUp(after: now) { next = min(next, wake) }
        guard next.isFinite else { return 1000 }
        return Int32(max(0, min(1000, ((next - now) * 1000).rounded(.up))))
    }

    private func handleSignals() {
        for number in signals.received() {
            if stopSignal == nil {
                stopSignal = number
                graceDeadline = monotonicNow() + settings.graceSeconds
                cancelWaiting()
            } else {
                cancelEverything()
            }
        }
    }

    /// After a signal: records not yet started are cancelled at once, and so
    /// are the complete lines already read from the input.
    private func cancelWaiting() {
        let cancelled = FetchError(.cancelled, "afetch was interrupted before this record was fetched")
        for job in scheduler.drainWaiting() + retries.removeAll() {
            conclude(job, Outcome(error: cancelled), at: monotonicNow())
        }
        while let line = input.nextBuffered() {
            accept(line, cancelling: cancelled)
        }
    }

    /// After the grace period (or a second signal): in-flight transfers are cancelled too.
    private func cancelEverything() {
        cancelWaiting()
        let cancelled = FetchError(.cancelled, "afetch was interrupted while fetching this record")
        for (_, transfer) in active {
            guard let job = transfer.job else { continue }
            multi.remove(transfer.easy)
            transfer.job = nil
            let now = monotonicNow()
            scheduler.finished(job, at: now)
            conclude(job, Outcome(error: cancelled), at: now)
        }
        active.removeAll()
    }
}
