package dev.imgsim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

import dev.imgsim.ModelLoadException;

/**
 * A native handle shared by the public classes that own one ({@code ImageSimilarity},
 * {@code TextEmbedder}): calls hold a read lock while they use it, {@link #close()} takes the write
 * lock (so it waits for calls in flight) and frees it once, and a {@link Cleaner} frees it when its
 * owner becomes unreachable. Not a public API.
 */
public final class NativeHandle {
    private static final Cleaner CLEANER = Cleaner.create();

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String owner;

    /** The handle and its lock; the Cleaner's action, so it must not refer to the owner. */
    private static final class State implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        final LongConsumer free;
        long handle;

        State(long handle, LongConsumer free) {
            this.handle = handle;
            this.free = free;
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (handle != 0) {
                    long h = handle;
                    handle = 0;
                    free.accept(h);
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /**
     * @param owner the object whose unreachability frees the handle
     * @param handle a live native handle
     * @param free frees a handle (a static method: it must not refer to {@code owner})
     * @param ownerName names the owner's class in "this X is closed"
     */
    public NativeHandle(Object owner, long handle, LongConsumer free, String ownerName) {
        this.state = new State(handle, free);
        this.owner = ownerName;
        this.cleanable = CLEANER.register(owner, state);
    }

    /** Takes the read lock and returns the handle; pair with {@link #release()} in a finally block. */
    public long acquire() {
        state.lock.readLock().lock();
        if (state.handle == 0) {
            state.lock.readLock().unlock();
            throw new IllegalStateException("this " + owner + " is closed");
        }
        return state.handle;
    }

    public void release() {
        state.lock.readLock().unlock();
    }

    /**
     * The guarded native call every owner makes: takes the read lock (throwing
     * {@link IllegalStateException} if closed), runs {@code call} with the handle, releases the
     * lock, and keeps {@code owner} and {@code keepAlive} (the Java arrays or objects the native
     * side reads) reachable until the call has returned.
     */
    public <T> T call(Object owner, Object keepAlive, LongFunction<T> call) {
        long h = acquire();
        try {
            return call.apply(h);
        } finally {
            release();
            Reference.reachabilityFence(keepAlive);
            Reference.reachabilityFence(owner);
        }
    }

    /** Frees the handle once calls in flight have finished; later calls throw IllegalStateException. */
    public void close() {
        cleanable.clean();
    }

    public boolean isClosed() {
        state.lock.readLock().lock();
        try {
            return state.handle == 0;
        } finally {
            state.lock.readLock().unlock();
        }
    }

    /** A classpath resource of {@code anchor}'s class loader, read whole. */
    public static byte[] resource(Class<?> anchor, String name, String jar) {
        ClassLoader cl = anchor.getClassLoader();
        try (InputStream in = cl == null ? ClassLoader.getSystemResourceAsStream(name) : cl.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelLoadException("the bundled model file " + name + " is not on the classpath; is the " + jar + " jar complete?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the bundled " + name + ": " + e.getMessage());
        }
    }
}
