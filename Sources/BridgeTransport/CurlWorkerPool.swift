import CCurl
import Foundation

/// A fixed-size pool of dedicated threads that run blocking `curl_easy_perform` calls, so that no
/// thread of Swift's cooperative pool ever waits on the network.
///
/// - At most `size` threads exist; they are started on demand and live until `shutdown()`.
/// - Each thread owns one easy handle for its whole life and resets it (`curl_easy_reset`) after each job:
///   the reset keeps libcurl's connection, DNS and TLS-session caches, so repeated calls to one API reuse
///   a connection.
/// - Jobs wait in a FIFO queue guarded by one `NSCondition`; callers get their result through a
///   continuation that the job resumes.
final class CurlWorkerPool: @unchecked Sendable {
    /// A unit of work; it receives the worker's (freshly reset) easy handle, or nil when libcurl could not
    /// make one (out of memory), in which case the job must fail its caller.
    typealias Job = @Sendable (UnsafeMutableRawPointer?) -> Void

    let size: Int
    private let name: String
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Job] = []
    private var queueHead = 0
    private var started = 0
    private var idle = 0
    private var stopping = false

    init(size: Int, name: String) {
        precondition(size > 0, "a worker pool needs at least one thread")
        _ = CurlGlobal.ready
        self.size = size
        self.name = name
    }

    /// Queues a job; starts another thread when all are busy and the pool is below its size.
    /// Returns false (and does not run the job) after `shutdown()`.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        if stopping {
            condition.unlock()
            return false
        }
        queue.append(job)
        let pending = queue.count - queueHead
        var startThread = false
        if pending > idle && started < size {
            started += 1
            startThread = true
        }
        let index = started
        condition.signal()
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in self.workerLoop() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        return true
    }

    /// Lets the queued jobs finish, then ends the threads. Later `submit` calls are refused.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Jobs queued and not yet taken by a thread (for tests and metrics).
    var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - queueHead
    }

    /// Threads started so far (never more than `size`).
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return started
    }

    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while queueHead == queue.count {
            if stopping { return nil }
            idle += 1
            condition.wait()
            idle -= 1
        }
        let job = queue[queueHead]
        queueHead += 1
        if queueHead > 64 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return job
    }

    private func workerLoop() {
        guard let handle = curl_easy_init() else {
            // Out of memory: fail every job this thread takes rather than dropping it.
            while let job = nextJob() { job(nil) }
            return
        }
        defer { curl_easy_cleanup(handle) }
        while let job = nextJob() {
            job(handle)
            // Drop every option of the finished job (it pointed at the job's own buffers and lists);
            // connections and caches survive the reset.
            curl_easy_reset(handle)
        }
    }
}

/// libcurl's process-wide initialisation, done once before the first handle is made.
enum CurlGlobal {
    /// `curl_global_init(CURL_GLOBAL_ALL)`, run once (Swift runs a static initialiser exactly once).
    static let ready: Bool = ib_global_init_all() == CURLE_OK
}
