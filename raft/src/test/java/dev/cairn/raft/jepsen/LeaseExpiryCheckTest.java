package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lease check on drawn timelines (seconds): a lease of TTL 3 granted over [0, 0.1], kept alive
 * over [1, 1.2], so it lives until at least 4.0 and should be gone by 4.2 + slack (10) = 14.2. Each
 * row is the key's reads, as {@code called-returned:present|gone}, and the verdict.
 */
class LeaseExpiryCheckTest {
  private static final long S = 1_000_000_000L;

  @ParameterizedTest(name = "{0}, leader touched {1} → {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2.0-2.1:present 4.1-4.2:gone | false | ",
        "2.0-2.1:present 3.8-3.95:gone | false | expired early",
        "3.8-4.1:gone | false | ",
        "5.0-5.1:present 14.0-14.1:present 14.3-14.4:gone | false | ",
        "5.0-5.1:present 14.3-14.4:present 14.5-14.6:gone | false | expired late",
        "5.0-5.1:present 14.3-14.4:present 14.5-14.6:gone | true | ",
        "3.9-3.95:gone 14.3-14.4:present | true | expired early",
      })
  void checksTheTtlBothWays(String reads, boolean leaderTouched, String verdict) {
    LeaseExpiry e = new LeaseExpiry("/j/ttl/1", 0xabc, 3, 0, (long) (0.1 * S));
    e.keptAlive(1 * S, (long) (1.2 * S));
    for (String r : reads.trim().split(" ")) {
      String[] times = r.split(":")[0].split("-");
      e.read(
          (long) (Double.parseDouble(times[0]) * S),
          (long) (Double.parseDouble(times[1]) * S),
          r.endsWith("present"));
    }

    List<String> anomalies = e.check(0, (from, to) -> leaderTouched);

    if (verdict == null) {
      assertThat(anomalies).isEmpty();
    } else {
      assertThat(anomalies).singleElement().asString().contains(verdict);
    }
  }
}
