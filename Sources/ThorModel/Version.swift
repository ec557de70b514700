/// thor-lite's version: `thor-lite --version`, the provenance block of summaries, and the Python
/// wheel's version (the wheel build script reads it from the binary).
public enum ThorLiteVersion {
    public static let current = "0.2.0"
}
