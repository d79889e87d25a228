// A vitest reporter whose last line is the plain `N passed, N failed` CI reads. It prints one line per
// failed test (with its error) and one per file, uncoloured.
import type { Reporter, TestCase, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    if (result.state === "passed") this.passed++;
    else if (result.state === "failed") {
      this.failed++;
      console.log(`FAIL ${test.module.moduleId.replace(process.cwd() + "/", "")} > ${test.fullName}`);
      for (const error of result.errors ?? []) console.log(`  ${error.message}\n${error.stack ?? ""}`);
    } else this.skipped++;
  }

  onTestModuleEnd(module: TestModule): void {
    const file = module.moduleId.replace(process.cwd() + "/", "");
    const errors = module.errors();
    for (const error of errors) {
      this.failed++;
      console.log(`FAIL ${file} (module error): ${error.message}`);
    }
    const tests = [...module.children.allTests()];
    const bad = tests.filter((t) => t.result().state === "failed").length;
    console.log(`${bad || errors.length ? "FAIL" : "ok  "} ${file} (${tests.length} tests, ${module.diagnostic().duration.toFixed(0)} ms)`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<unknown>): void {
    for (const error of unhandled) {
      this.failed++;
      console.log(`FAIL unhandled error: ${(error as Error)?.message ?? String(error)}`);
    }
    const skipped = this.skipped ? `, ${this.skipped} skipped` : "";
    console.log(`${this.passed} passed, ${this.failed} failed${skipped}`);
  }
}
