import { Problem } from "../../o2ims-api/contract";
import { applyListQuery, matchesFilter, parseFilter, parseListQuery } from "../../o2ims-api/query";

const items = [
  {
    provisioningRequestId: "a",
    name: "edge one",
    status: { provisioningPhase: "FULFILLED", nodes: 3 },
    tags: ["x", "y"],
    hosts: [{ id: "1" }, { id: "2" }],
  },
  { provisioningRequestId: "b", name: "core", status: { provisioningPhase: "PENDING", nodes: 10 }, tags: ["z"] },
  { provisioningRequestId: "c", name: "it's, odd", status: { provisioningPhase: "FAILED" } },
];
const ids = (f: string) =>
  applyListQuery(items, parseListQuery(new URLSearchParams({ filter: f }))).map(
    i => (i as { provisioningRequestId: string }).provisioningRequestId,
  );

function problemOf(fn: () => unknown): Problem {
  try {
    fn();
  } catch (e) {
    if (e instanceof Problem) return e;
    throw e;
  }
  throw new Error("no Problem thrown");
}

describe("filter", () => {
  it("eq / neq on a nested attribute", () => {
    expect(ids("(eq,status/provisioningPhase,FULFILLED)")).toEqual(["a"]);
    expect(ids("(neq,status/provisioningPhase,FULFILLED)")).toEqual(["b", "c"]);
  });
  it("in / nin take several values", () => {
    expect(ids("(in,provisioningRequestId,a,c)")).toEqual(["a", "c"]);
    expect(ids("(nin,provisioningRequestId,a,c)")).toEqual(["b"]);
  });
  it("numbers compare as numbers, not strings", () => {
    expect(ids("(gt,status/nodes,4)")).toEqual(["b"]);
    expect(ids("(lte,status/nodes,3)")).toEqual(["a"]);
    expect(ids("(gte,status/nodes,3)")).toEqual(["a", "b"]);
    expect(ids("(lt,status/nodes,10)")).toEqual(["a"]);
  });
  it("cont / ncont are substring matches", () => {
    expect(ids("(cont,name,edge)")).toEqual(["a"]);
    expect(ids("(ncont,name,edge)")).toEqual(["b", "c"]);
  });
  it("';' is AND", () => {
    expect(ids("(cont,name,e);(eq,status/provisioningPhase,PENDING)")).toEqual(["b"]);
  });
  it("arrays match when any element does; negations when none does", () => {
    expect(ids("(eq,tags,y)")).toEqual(["a"]);
    expect(ids("(neq,tags,y)")).toEqual(["b", "c"]);
    expect(ids("(eq,hosts/id,2)")).toEqual(["a"]);
  });
  it("a missing attribute matches only the negations", () => {
    expect(ids("(eq,nope,1)")).toEqual([]);
    expect(ids("(neq,nope,1)")).toEqual(["a", "b", "c"]);
  });
  it("single-quoted values may hold , ; ( ) and a doubled quote", () => {
    expect(ids("(eq,name,'it''s, odd')")).toEqual(["c"]);
    expect(parseFilter("(eq,name,'a;b(c)')")).toEqual([{ op: "eq", path: ["name"], values: ["a;b(c)"] }]);
  });
  it("matchesFilter works on one item", () => {
    expect(matchesFilter(items[0], parseFilter("(eq,status/provisioningPhase,FULFILLED)"))).toBe(true);
    expect(matchesFilter(items[1], parseFilter("(eq,status/provisioningPhase,FULFILLED)"))).toBe(false);
  });
});

describe("bad filters are 400 problems naming the parameter and the term", () => {
  it.each([
    ["(foo,name,x)", /unknown operator "foo"/],
    ["eq,name,x", /must be \(op,attribute,value/],
    ["(eq,name)", /must be \(op,attribute,value/],
    ["(eq,na me,x)", /is not an attribute name/],
    ["(eq,name,x,y)", /operator eq takes one value/],
    ["(eq,name,'x)", /unterminated quote/],
    ["", /is empty/],
  ])("%s", (f, why) => {
    const p = problemOf(() => parseListQuery(new URLSearchParams({ filter: f })));
    expect(p.status).toBe(400);
    expect(p.detail).toMatch(/^query parameter filter: /);
    expect(p.detail).toMatch(why);
    expect(p.extra.invalidParams).toEqual([{ param: "filter", reason: expect.stringMatching(why) }]);
  });
  it("a repeated parameter", () => {
    const p = problemOf(() => parseListQuery(new URLSearchParams("filter=(eq,a,1)&filter=(eq,b,2)")));
    expect(p.detail).toMatch(/filter: may appear once/);
  });
  it("a bad fields entry names fields", () => {
    const p = problemOf(() => parseListQuery(new URLSearchParams({ fields: "name,/x" })));
    expect(p.detail).toMatch(/^query parameter fields: "\/x" is not an attribute name/);
  });
});

describe("fields / exclude_fields", () => {
  it("fields keeps the named attributes, nested ones with /", () => {
    const out = applyListQuery(
      items,
      parseListQuery(new URLSearchParams({ fields: "provisioningRequestId,status/provisioningPhase" })),
    );
    expect(out[0]).toEqual({ provisioningRequestId: "a", status: { provisioningPhase: "FULFILLED" } });
  });
  it("fields reaches into arrays of objects", () => {
    const out = applyListQuery([items[0]], parseListQuery(new URLSearchParams({ fields: "hosts/id" })));
    expect(out).toEqual([{ hosts: [{ id: "1" }, { id: "2" }] }]);
  });
  it("exclude_fields drops attributes and leaves the input untouched", () => {
    const out = applyListQuery(items, parseListQuery(new URLSearchParams({ exclude_fields: "status/nodes,tags,hosts" })));
    expect(out[0]).toEqual({ provisioningRequestId: "a", name: "edge one", status: { provisioningPhase: "FULFILLED" } });
    expect(items[0].status.nodes).toBe(3);
  });
  it("filter applies before fields, so one may filter on an attribute not returned", () => {
    const q = parseListQuery(new URLSearchParams({ filter: "(eq,status/provisioningPhase,PENDING)", fields: "name" }));
    expect(applyListQuery(items, q)).toEqual([{ name: "core" }]);
  });
  it("no parameters: everything, as is", () => {
    expect(applyListQuery(items, parseListQuery(new URLSearchParams()))).toEqual(items);
  });
});
