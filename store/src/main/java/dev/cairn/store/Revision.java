package dev.cairn.store;

import java.nio.ByteBuffer;

/**
 * A point in the store's history. Every write transaction takes the next {@code main} revision;
 * each change inside it takes the next {@code sub} revision, starting at 0.
 *
 * <pre>
 *   txn { put a; put b; del c }  at main 7  →  a@(7,0)  b@(7,1)  c@(7,2)
 * </pre>
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  public static final int BYTES = 16;

  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }

  /** Big-endian, so that byte order is revision order for non-negative revisions. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(BYTES).putLong(main).putLong(sub).array();
  }

  public static Revision fromBytes(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    return new Revision(buf.getLong(), buf.getLong());
  }

  @Override
  public String toString() {
    return main + "." + sub;
  }
}
