package dev.longshore.proxy.fill;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one after another on a shared executor, in submission order; a task that throws does not stop the next.
 *
 * <p>Queued tasks run in batches on one thread, so a fill's stream of small writes costs one hand-off per batch rather
 * than one per chunk; a batch is capped so that one busy fill cannot hold a storage thread from the others for long.
 */
final class SerialChain {
    private static final int MAX_BATCH = 64;

    private record Task(Runnable body, CompletableFuture<Void> done) {
    }

    private final Executor executor;
    private final Queue<Task> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialChain(Executor executor) {
        this.executor = executor;
    }

    /** Queues {@code task}; the future completes when it has run, exceptionally if it threw. */
    CompletableFuture<Void> run(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Task(task, done));
        schedule();
        return done;
    }

    private void schedule() {
        if (!scheduled.compareAndSet(false, true)) {
            return; // a batch is queued or running, and will see the new task
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // Shutting down: nothing will run these, so say so rather than leave them pending.
            Task task;
            while ((task = queue.poll()) != null) {
                task.done().completeExceptionally(e);
            }
            scheduled.set(false);
        }
    }

    private void drain() {
        try {
            Task task;
            for (int i = 0; i < MAX_BATCH && (task = queue.poll()) != null; i++) {
                try {
                    task.body().run();
                    task.done().complete(null);
                } catch (Throwable t) {
                    task.done().completeExceptionally(t);
                }
            }
        } finally {
            scheduled.set(false);
            if (!queue.isEmpty()) {
                schedule();
            }
        }
    }
}
