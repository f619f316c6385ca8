package dev.cairn.bench.engine;

import java.util.SplittableRandom;

/**
 * The benchmark's key space, computed rather than stored, so that the harness keeps no per-key
 * state on the heap (the 10M-key run must show the engine's heap, not ours).
 *
 * <p>Key {@code i} is 16 bytes: {@code 'k'} and {@code i} in 15 zero-padded decimal digits, so keys
 * sort as their numbers and {@code [key(s), key(s + n))} holds exactly {@code n} keys. Loads visit
 * the keys in a fixed scattered order (a stride permutation of {@code [0, n)}), so every batch
 * touches the whole key space, as random inserts would.
 *
 * <pre>
 *   key(42)              = "k000000000000042"
 *   order n=10, stride 7 : 0 7 4 1 8 5 2 9 6 3
 * </pre>
 */
final class BenchKeys {
  static final int KEY_BYTES = 16;
  static final int VALUE_BYTES = 64;
  private static final long STRIDE = 2_654_435_761L; // a prime near 2^32 / golden ratio

  private BenchKeys() {}

  static byte[] key(long i) {
    byte[] k = new byte[KEY_BYTES];
    k[0] = 'k';
    long v = i;
    for (int p = KEY_BYTES - 1; p >= 1; p--) {
      k[p] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return k;
  }

  /**
   * A stride permutation of {@code [0, n)}: position {@code j} of the load writes key {@code
   * at(j)}.
   */
  static final class Order {
    private final long n;
    private final long stride;

    Order(long n) {
      if (n <= 0 || n >= 1L << 31) {
        throw new IllegalArgumentException("key count must be in [1, 2^31): " + n);
      }
      this.n = n;
      long s = STRIDE % n;
      while (s == 0 || gcd(s, n) != 1) {
        s++;
      }
      this.stride = s;
    }

    long at(long j) {
      return Math.multiplyExact(j, stride) % n; // exact: j and stride are below n < 2^31
    }

    private static long gcd(long a, long b) {
      return b == 0 ? a : gcd(b, a % b);
    }
  }

  /** Random 64-byte values from a fixed seed (incompressible: RocksDB's LZ4 gains nothing). */
  static final class Values {
    private final SplittableRandom random;

    Values(long seed) {
      random = new SplittableRandom(seed);
    }

    byte[] next() {
      byte[] v = new byte[VALUE_BYTES];
      random.nextBytes(v);
      return v;
    }
  }
}
