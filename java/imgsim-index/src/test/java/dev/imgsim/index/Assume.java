package dev.imgsim.index;

/** Preconditions of individual tests. */
final class Assume {
    private Assume() {}

    /** Permission tests mean nothing to root, who may write anywhere. */
    static void assumeFalseRoot() {
        org.junit.Assume.assumeFalse("running as root: file permissions are not enforced",
                "root".equals(System.getProperty("user.name")));
    }
}
