package dev.cairn.store;

import org.junit.jupiter.api.Nested;

/**
 * The contract tables run against {@link ModelStore}: the model the property tests compare the
 * engine with must itself pass every row.
 */
class ModelContractTest {

  @Nested
  class Range extends RangeContractTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }
  }

  @Nested
  class Txn extends TxnContractTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }
  }

  @Nested
  class Write extends WriteContractTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }
  }

  @Nested
  class Compaction extends CompactionContractTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }

    @Override
    void reopen() {}
  }

  @Nested
  class Lease extends LeaseContractTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }

    @Override
    void reopen() {}
  }

  @Nested
  class BadInput extends BadInputTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }
  }

  @Nested
  class Batch extends ApplyBatchTest {
    @Override
    MvccStore open(StoreConfig config) {
      return new ModelStore(config);
    }

    @Override
    void reopen() {}
  }
}
