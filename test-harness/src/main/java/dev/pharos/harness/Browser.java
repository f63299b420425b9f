package dev.pharos.harness;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's headless chromium driven through its own chromedriver (never one Selenium would
 * download), with the flags that keep it off the network this machine does not have.
 */
public final class Browser {

  private Browser() {
  }

  public static ChromeDriver start(Path profile, int width, int height) {
    ChromeOptions options = new ChromeOptions().setBinary(System.getProperty("pharos.chromium", "/usr/bin/chromium"))
      .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(System.getProperty("pharos.chromedriver", "/usr/bin/chromedriver")))
      .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** Keeps a screenshot as a build artifact under {@code target/screenshots}. */
  public static Path screenshot(ChromeDriver driver, String name) throws Exception {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".png");
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    return file;
  }
}
