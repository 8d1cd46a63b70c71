package io.github.panamaaudio.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool's free slots, by index, as a lock-free stack (the pool maps an index to
 * its slot): the slot released last is leased
 * next, so a reader that closes each packet before the next read keeps writing
 * into the same, cache-hot segment.
 *
 * <p>Thread-safety: any number of threads may {@link #push} and {@link #pop}
 * concurrently; both are lock-free and allocate nothing.
 *
 * <h2>Layout and the ABA problem</h2>
 * A Treiber stack linked through slot indices, not references: {@code below[i]} is
 * the index + 1 of the slot under slot {@code i} (0: none), and {@link #head} packs
 * the top's index + 1 into its low 32 bits and a stamp into its high 32 bits:
 * <pre>
 *  head  63                32 31                 0
 *       +--------------------+--------------------+
 *       | stamp (+1 per CAS) | top index + 1 (0 = empty)
 *       +--------------------+--------------------+
 * </pre>
 * Every successful push and pop adds one to the stamp, so a pop that read
 * {@code head = (s, A)} and {@code below[A] = B} cannot succeed after another thread
 * popped A, popped B and pushed A again (the classic ABA): the head is then
 * {@code (s + 3, A)}. Only 2<sup>32</sup> pushes and pops between a pop's read and its
 * CAS could fool it.
 *
 * <h2>Memory ordering</h2>
 * A push writes {@code below[i]} with a plain store, then publishes it with a volatile
 * CAS of the head; a pop reads the head (volatile), then {@code below[top]}, and keeps
 * it only if its CAS of the
 * same head value succeeds. So everything the releasing thread wrote before
 * {@code push} happens-before the popping thread's use of the slot. A pop may read a
 * {@code below} value that a concurrent push is overwriting; its CAS then fails (the
 * stamp moved) and it retries.
 */
final class LifoFreeList {

    private static final VarHandle BELOW = MethodHandles.arrayElementVarHandle(int[].class);
    private static final long INDEX_MASK = 0xffff_ffffL;
    private static final long STAMP_ONE = 1L << 32;

    private final AtomicLong head = new AtomicLong();
    private final int[] below;

    /** A stack for slot indices in {@code [0, capacity)}. */
    LifoFreeList(int capacity) {
        this.below = new int[capacity];
    }

    /** Pushes the index of a slot that is not on the stack. Lock-free; volatile CAS. */
    void push(int i) {
        for (;;) {
            long h = head.get();
            BELOW.set(below, i, (int) h);
            if (head.compareAndSet(h, ((h & ~INDEX_MASK) + STAMP_ONE) | (i + 1))) {
                return;
            }
        }
    }

    /** Pops the index pushed last, or returns -1 if the stack is empty. Lock-free. */
    int pop() {
        for (;;) {
            long h = head.get();
            int top = (int) h;
            if (top == 0) {
                return -1;
            }
            int under = (int) BELOW.get(below, top - 1);
            if (head.compareAndSet(h, ((h & ~INDEX_MASK) + STAMP_ONE) | (under & INDEX_MASK))) {
                return top - 1;
            }
        }
    }

    /** Whether the stack is empty now (volatile read; may change at once). */
    boolean isEmpty() {
        return (int) head.get() == 0;
    }
}
