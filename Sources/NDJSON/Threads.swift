import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A first-in first-out queue between threads; `take` waits for an item.
public final class Channel<Item>: @unchecked Sendable {
    /// Taken items are cleared at once, so the channel never keeps a reference to one.
    private var items: [Item?] = []
    private var head = 0
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let available = DispatchSemaphore(value: 0)

    public init() { pthread_mutex_init(lock, nil) }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    public func put(_ item: Item) {
        pthread_mutex_lock(lock)
        items.append(item)
        pthread_mutex_unlock(lock)
        available.signal()
    }

    public func take() -> Item {
        available.wait()
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let item = items[head].take()!
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }
}

/// What a thread that startThread started carries in its thread-specific slot.
private final class StartedThread {
    /// How it ends the process when it must (see exitProcess); nil: at once.
    let endProcess: ((Int32) -> Never)?
    init(endProcess: ((Int32) -> Never)?) { self.endProcess = endProcess }
}

/// The slot; its destructor releases the thread's StartedThread when the thread ends.
private let startedThreadKey: pthread_key_t = {
    var key = pthread_key_t()
    let made = pthread_key_create(&key) { thread in
        if let thread { Unmanaged<StartedThread>.fromOpaque(thread).release() }
    }
    precondition(made == 0, "pthread_key_create failed")
    return key
}()

/// On a thread that startThread started: what it was started with. Nil on other threads.
private var startedThread: StartedThread? {
    pthread_getspecific(startedThreadKey).map { Unmanaged<StartedThread>.fromOpaque($0).takeUnretainedValue() }
}

/// Whether this thread was started by startThread: such a thread never writes standard
/// output, which belongs to the main thread.
var isStartedThread: Bool { startedThread != nil }

/// Ends the process from a started thread: with its `endProcess`, else at once.
func endProcessFromStartedThread(_ status: Int32) -> Never {
    if let endProcess = startedThread?.endProcess { endProcess(status) }
    _exit(status)
}

/// Runs `body` on a new detached thread, deaf to stop signals; false when the system
/// refuses one. (Not Foundation's Thread: importing Foundation where libxml2's module is
/// imported clashes with the system ICU headers its module map brings in.) A fatal error
/// on the thread (exitProcess) calls `endProcess`, which must not return: the main thread
/// owns standard output, and only it can end the process after writing what it holds.
/// Without one, the process ends at once.
public func startThread(endProcess: ((Int32) -> Never)? = nil, _ body: @escaping @Sendable () -> Void) -> Bool {
    final class Start {
        let run: @Sendable () -> Void
        let thread: StartedThread
        init(_ run: @escaping @Sendable () -> Void, _ thread: StartedThread) { self.run = run; self.thread = thread }
    }
    let context = Unmanaged.passRetained(Start(body, StartedThread(endProcess: endProcess))).toOpaque()
    // The thread starts with stop signals blocked, so they reach the thread that waits
    // for input and is woken by them (a worker would take them and leave it waiting).
    var stopSignals = sigset_t()
    var previous = sigset_t()
    sigemptyset(&stopSignals)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&stopSignals, signal) }
    pthread_sigmask(SIG_BLOCK, &stopSignals, &previous)
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { context in
        let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
        pthread_setspecific(startedThreadKey, Unmanaged.passRetained(start.thread).toOpaque())
        start.run()
        return nil
    }, context)
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    guard started == 0 else {
        Unmanaged<Start>.fromOpaque(context).release()
        return false
    }
    pthread_detach(thread)
    return true
}
