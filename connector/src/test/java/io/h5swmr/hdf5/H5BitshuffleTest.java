package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link H5Bitshuffle}'s bit un-transpose against a bit-by-bit reference of the documented layout
 * (plane {@code 8 j + k} of a block holds bit {@code k} of byte {@code j} of every element, element
 * {@code i} in bit {@code i % 8} of the plane's byte {@code i / 8}), for every element size 1..16
 * and block lengths from the smallest (8 elements) through several 64-element tiles and partial
 * ones; plus whole plain chunks of several blocks, a short last block and trailing elements.
 */
class H5BitshuffleTest {
  private static final int[] LENGTHS = {8, 16, 24, 56, 64, 72, 120, 128, 136, 200, 512, 1000, 1024};

  private static boolean bit(byte[] b, int at, long index) {
    return (b[at + (int) (index >>> 3)] >> (index & 7) & 1) != 0;
  }

  private static void set(byte[] b, int at, long index) {
    b[at + (int) (index >>> 3)] |= (byte) (1 << (index & 7));
  }

  /** Bit k of byte j of element i <- plane 8 j + k, bit i. */
  private static byte[] referenceUntranspose(byte[] src, int srcAt, int n, int elem) {
    byte[] out = new byte[n * elem];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < 8 * elem; p++) {
        if (bit(src, srcAt, (long) p * n + i)) {
          set(out, 0, (long) i * 8 * elem + p);
        }
      }
    }
    return out;
  }

  /**
   * The forward bit transpose of one block: plane 8 j + k, bit i <- bit k of byte j of element i.
   */
  private static byte[] referenceTranspose(byte[] raw, int rawAt, int n, int elem) {
    byte[] planes = new byte[n * elem];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < 8 * elem; p++) {
        if (bit(raw, rawAt, (long) i * 8 * elem + p)) {
          set(planes, 0, (long) p * n + i);
        }
      }
    }
    return planes;
  }

  @Test
  void untransposeMatchesTheBitByBitReferenceForEveryElementSizeAndBlockLength() {
    Random r = new Random(11);
    for (int elem = 1; elem <= 16; elem++) {
      for (int n : LENGTHS) {
        for (int pattern = 0; pattern < 3; pattern++) {
          byte[] src = new byte[3 + n * elem + 5];
          if (pattern == 0) {
            r.nextBytes(src);
          } else if (pattern == 1) { // one bit set: a misplaced bit cannot hide among others
            src[3 + r.nextInt(n * elem)] = (byte) (1 << r.nextInt(8));
          } else {
            Arrays.fill(src, (byte) 0xFF);
          }
          byte[] want = referenceUntranspose(src, 3, n, elem);
          byte[] out = new byte[7 + n * elem + 9];
          Arrays.fill(out, (byte) 0x5A);
          H5Bitshuffle.untranspose(src, 3, n, elem, out, 7);
          String what = "elem " + elem + ", n " + n + ", pattern " + pattern;
          assertThat(Arrays.copyOfRange(out, 7, 7 + n * elem)).as(what).isEqualTo(want);
          for (int i = 0; i < 7; i++) {
            assertThat(out[i]).as("%s: byte %s before the output", what, i).isEqualTo((byte) 0x5A);
          }
          for (int i = 7 + n * elem; i < out.length; i++) {
            assertThat(out[i]).as("%s: byte %s after the output", what, i).isEqualTo((byte) 0x5A);
          }
        }
      }
    }
  }

  @Test
  void untransposeUndoesTheForwardTranspose() {
    Random r = new Random(5);
    for (int elem = 1; elem <= 16; elem++) {
      for (int n : LENGTHS) {
        byte[] raw = new byte[n * elem];
        for (int i = 0;
            i < raw.length;
            i++) { // smooth little-endian values: high bytes mostly constant
          raw[i] = (byte) (i % elem == 0 ? r.nextInt() : i % elem == 1 ? i / elem / 3 : 0x40);
        }
        byte[] out = new byte[raw.length];
        H5Bitshuffle.untranspose(referenceTranspose(raw, 0, n, elem), 0, n, elem, out, 0);
        assertThat(out).as("elem %s, n %s", elem, n).isEqualTo(raw);
      }
    }
  }

  @Test
  void plainChunksOfSeveralBlocksAShortLastBlockAndTrailingElements() {
    Random r = new Random(2);
    for (int elem : new int[] {1, 2, 3, 4, 8, 12, 16}) {
      for (int block : new int[] {8, 64, 136}) {
        for (int size : new int[] {7, 8, 3 * block + 45, 5 * block}) {
          byte[] raw = new byte[size * elem];
          r.nextBytes(raw);
          byte[] stored = new byte[raw.length];
          int at = 0;
          int remaining = size;
          while (remaining >= 8) {
            int n = Math.min(block, remaining - remaining % 8);
            System.arraycopy(referenceTranspose(raw, at, n, elem), 0, stored, at, n * elem);
            at += n * elem;
            remaining -= n;
          }
          System.arraycopy(raw, at, stored, at, raw.length - at);
          assertThat(
                  H5Bitshuffle.decode(
                      stored,
                      stored.length,
                      new int[] {0, 3, elem, block, 0},
                      elem,
                      raw.length,
                      ""))
              .as("elem %s, block %s, %s elements", elem, block, size)
              .isEqualTo(raw);
        }
      }
    }
  }
}
