/** Jest wiring: one plane per test file, started before its tests and stopped after them. */
import { Plane, startPlane, StartOptions } from "../../../local/plane/plane";

/** Starts a plane in beforeAll and stops it in afterAll; call the returned function inside tests. */
export function usePlane(opts: StartOptions = {}): () => Plane {
  let plane: Plane | undefined;
  beforeAll(async () => {
    plane = await startPlane(opts);
  });
  afterAll(async () => {
    await plane?.stop();
  });
  return () => {
    if (!plane) throw new Error("the plane is only available inside tests (after beforeAll)");
    return plane;
  };
}
