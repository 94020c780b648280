import Foundation
import GRDB

/// Group commit on the single writer connection.
///
/// Every write body runs inside its own SAVEPOINT, so each command stays all-or-nothing; the bodies that
/// arrive while a transaction runs share the next transaction and its one fsync. A caller is answered only
/// after the COMMIT that holds its writes, so nothing acknowledged is lost; a body that throws rolls back its
/// savepoint only. At most `maxBatch` bodies go into one transaction, and every batch is a separate job on the
/// writer queue, so other writers (migrations, backups) are never starved.
final class GroupCommitter: @unchecked Sendable {
    private let writer: any DatabaseWriter
    private let maxBatch: Int
    private let lock = NSLock()
    private var queue: [any BatchedWrite] = []
    private var scheduled = false
    /// Runs after every successful COMMIT (the checkpointer's nudge).
    private let afterCommit: (@Sendable () -> Void)?

    init(writer: any DatabaseWriter, maxBatch: Int = 256, afterCommit: (@Sendable () -> Void)? = nil) {
        self.writer = writer
        self.maxBatch = maxBatch
        self.afterCommit = afterCommit
    }

    /// Runs `body` in the next group transaction; returns once that transaction committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            submit(PendingWrite(body: body, continuation: c))
        }
    }

    private func submit(_ job: any BatchedWrite) {
        let start = lock.withLock { () -> Bool in
            queue.append(job)
            if scheduled { return false }
            scheduled = true
            return true
        }
        if start { schedule() }
    }

    private func schedule() {
        writer.asyncWriteWithoutTransaction { db in self.runBatch(db) }
    }

    /// Takes what is queued (up to `maxBatch`), runs it in one transaction, answers every caller, and schedules
    /// the next batch if more arrived meanwhile.
    private func runBatch(_ db: Database) {
        let batch = lock.withLock { () -> [any BatchedWrite] in
            let b = Array(queue.prefix(maxBatch))
            queue.removeFirst(b.count)
            return b
        }
        var ran = 0
        var commitError: Error?
        do {
            try db.inTransaction(.immediate) {
                for job in batch {
                    ran += 1
                    job.run(db)
                    // SQLite rolls the whole transaction back on some errors (full disk, I/O); the bodies that ran
                    // before are lost with it, so their callers must not be told they succeeded.
                    if !db.isInsideTransaction { throw GroupCommitAborted() }
                }
                return .commit
            }
        } catch {
            commitError = error
        }
        // BEGIN itself failed (e.g. the busy timeout ran out): every caller of the batch gets the error.
        if ran == 0, commitError != nil { ran = batch.count }
        if commitError == nil { afterCommit?() }
        let rest = batch[ran...]
        for job in batch[..<ran] { job.finish(commitError: commitError) }
        let more = lock.withLock { () -> Bool in
            queue.insert(contentsOf: rest, at: 0)
            if queue.isEmpty {
                scheduled = false
                return false
            }
            return true
        }
        if more { schedule() }
    }
}

/// The transaction of a batch was rolled back by SQLite itself.
struct GroupCommitAborted: Error, CustomStringConvertible {
    var description: String { "the write transaction was rolled back by SQLite; nothing of it was saved" }
}

protocol BatchedWrite: AnyObject, Sendable {
    func run(_ db: Database)
    func finish(commitError: Error?)
}

private final class PendingWrite<T: Sendable>: BatchedWrite, @unchecked Sendable {
    let body: @Sendable (Database) throws -> T
    let continuation: CheckedContinuation<T, Error>
    private var result: Result<T, Error>?

    init(body: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: Database) {
        // SAVEPOINT statements from the statement cache: GRDB's `inSavepoint` prepares them anew every time.
        do {
            try db.cachedStatement(sql: "SAVEPOINT write").execute()
        } catch {
            result = .failure(error)
            return
        }
        do {
            let value = try body(db)
            try db.cachedStatement(sql: "RELEASE SAVEPOINT write").execute()
            result = .success(value)
        } catch {
            if db.isInsideTransaction {
                try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT write").execute()
                try? db.cachedStatement(sql: "RELEASE SAVEPOINT write").execute()
            }
            result = .failure(error)
        }
    }

    func finish(commitError: Error?) {
        switch (result, commitError) {
        case (.failure(let e)?, _): continuation.resume(throwing: e)
        case (.success, let e?): continuation.resume(throwing: e)
        case (.success(let v)?, nil): continuation.resume(returning: v)
        case (nil, let e): continuation.resume(throwing: e ?? GroupCommitAborted())
        }
    }
}
