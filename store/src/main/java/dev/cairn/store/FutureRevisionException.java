package dev.cairn.store;

/** The requested revision has not happened yet. */
public final class FutureRevisionException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final long currentRevision;

  public FutureRevisionException(long currentRevision) {
    super(StoreError.FUTURE_REVISION);
    this.currentRevision = currentRevision;
  }

  public long currentRevision() {
    return currentRevision;
  }
}
