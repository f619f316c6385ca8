package dev.cairn.store;

/** The requested revision is at or below the compacted revision (reads) or below it (watches). */
public final class CompactedException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final long compactRevision;

  public CompactedException(long compactRevision) {
    super(StoreError.COMPACTED);
    this.compactRevision = compactRevision;
  }

  public long compactRevision() {
    return compactRevision;
  }
}
