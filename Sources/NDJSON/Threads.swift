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

/// Marks the threads startThread starts.
private let startedThreadKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Whether this thread was started by startThread: such a thread never writes standard
/// output, which belongs to the main thread.
public var isStartedThread: Bool { pthread_getspecific(startedThreadKey) != nil }

/// Runs `body` on a new detached thread, deaf to stop signals; false when the system
/// refuses one. (Not Foundation's Thread: importing Foundation where libxml2's module is
/// imported clashes with the system ICU headers its module map brings in.)
public func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    _ = startedThreadKey   // made here, before any thread could race to make it
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    // The thread starts with stop signals blocked, so they reach the thread that waits
    // for input and is woken by them (a worker would take them and leave it waiting).
    var stopSignals = sigset_t()
    var previous = sigset_t()
    sigemptyset(&stopSignals)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&stopSignals, signal) }
    pthread_sigmask(SIG_BLOCK, &stopSignals, &previous)
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { context in
        pthread_setspecific(startedThreadKey, UnsafeRawPointer(bitPattern: 1))
        Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    guard started == 0 else {
        Unmanaged<Body>.fromOpaque(context).release()
        return false
    }
    pthread_detach(thread)
    return true
}
