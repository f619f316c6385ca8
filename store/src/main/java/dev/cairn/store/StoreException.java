package dev.cairn.store;

/** A request the store refused; the refusal changed nothing. */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final StoreError error;

  public StoreException(StoreError error) {
    this(error, error.message());
  }

  public StoreException(StoreError error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  public StoreError error() {
    return error;
  }
}
