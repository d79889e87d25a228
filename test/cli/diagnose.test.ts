// The one line a client command prints when the broker URL does not connect: the cause, not a guess.
import { describe, expect, it } from "vitest";
import { diagnoseBrokerUrl } from "../../src/cli/diagnose.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const { start } = inProcessServers("diagnose");

describe("diagnoseBrokerUrl", () => {
  it("names a wrong path (404), nothing listening, and a protected-mode or origin refusal", async () => {
    const server = await start({ kafkaPort: -1 });
    expect(await diagnoseBrokerUrl(`ws://127.0.0.1:${server.port}/wrong`)).toMatch(/answered 404 for \/wrong: Rivulet serves its WebSocket at \/ws/);
    const closed = await start({ kafkaPort: -1 });
    const port = closed.port;
    await closed.close();
    expect(await diagnoseBrokerUrl(`ws://127.0.0.1:${port}/ws`)).toMatch(/nothing is listening at .*is 'rivulet serve' running/);
    expect(await diagnoseBrokerUrl(`wss://127.0.0.1:${server.port}/ws`, 500)).toMatch(/(TLS|wss:\/\/)/);
  });
});
