package io.h5swmr.hdf5;

/**
 * Child JVM for {@link NativeLoadTest}: waits for "go", loads the natives, prints the library
 * version.
 */
public final class NativeLoadChild {
  private NativeLoadChild() {}

  public static void main(String[] args) throws Exception {
    System.out.println("READY");
    System.out.flush();
    new java.io.BufferedReader(
            new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
        .readLine();
    int[] v = new int[3];
    H5Native.call(() -> hdf.hdf5lib.H5.H5get_libversion(v));
    System.out.println("LOADED " + v[0] + "." + v[1] + "." + v[2]);
  }
}
