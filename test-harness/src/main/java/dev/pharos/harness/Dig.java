package dev.pharos.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code dig} (dnsutils) against a server on loopback, its output read back: the
 * status, the header flags and each section's records as dig prints them
 * ({@code web.dev.pharos. 5 IN A 127.0.0.2}).
 */
public final class Dig {

  /** What one {@code dig} printed. */
  public record Answer(String status, List<String> flags, List<String> answer, List<String> authority, List<String> additional,
                       String output) {

    /** The answer section's data fields (the address, or {@code "1 3 8080 target."}), in order. */
    public List<String> data() {
      return answer.stream().map(line -> line.split("\\s+", 5)[4]).toList();
    }

    public boolean truncated() {
      return flags.contains("tc");
    }
  }

  private static final Pattern STATUS = Pattern.compile("status: (\\w+)");
  private static final Pattern FLAGS = Pattern.compile(";; flags: ([a-z ]*);");

  private Dig() {
  }

  /** {@code dig @127.0.0.1 -p port name type options...}: one try, 5 s, no search list. */
  public static Answer query(int port, String name, String type, String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", String.valueOf(port), "+tries=1", "+time=5",
      "+nosearch", name, type));
    command.addAll(List.of(options));
    Process dig = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!dig.waitFor(20, TimeUnit.SECONDS)) {
      dig.destroyForcibly();
      throw new IOException("dig did not end: " + command);
    }
    return parse(output);
  }

  static Answer parse(String output) {
    Matcher status = STATUS.matcher(output);
    // after a retry over TCP dig prints the header twice: the last is the answer it kept
    String lastStatus = null;
    while (status.find()) {
      lastStatus = status.group(1);
    }
    Matcher flags = FLAGS.matcher(output);
    String lastFlags = "";
    while (flags.find()) {
      lastFlags = flags.group(1);
    }
    List<String> answer = new ArrayList<>();
    List<String> authority = new ArrayList<>();
    List<String> additional = new ArrayList<>();
    List<String> section = null;
    for (String line : output.split("\n")) {
      if (line.startsWith(";; ANSWER SECTION:")) {
        section = answer;
        answer.clear();
      } else if (line.startsWith(";; AUTHORITY SECTION:")) {
        section = authority;
        authority.clear();
      } else if (line.startsWith(";; ADDITIONAL SECTION:")) {
        section = additional;
        additional.clear();
      } else if (line.isBlank() || line.startsWith(";")) {
        section = line.isBlank() ? null : section;
      } else if (section != null) {
        section.add(line.trim());
      }
    }
    return new Answer(lastStatus, List.of(lastFlags.trim().split("\\s+")), answer, authority, additional, output);
  }
}
