// Composes the province's supergraph from its hubs' subgraph schemas, without rover:
// @apollo/composition, the library Apollo's own tools compose with.
//
//   node compose.mjs kaifeng=http://10.0.1.5:8000/graphql=kaifeng.graphql \
//                    zhengzhou=http://10.0.2.5:8000/graphql=zhengzhou.graphql > supergraph.graphql
//
// Each argument is name=routing-url=sdl-file; the SDL is what `xietong schema` prints on
// that hub (XIETONG_FEDERATION_NAME=name), or its `{ _service { sdl } }`. Exits 1 with
// the composition errors when the subgraphs do not compose.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((argument) => {
  const first = argument.indexOf("=");
  const last = argument.lastIndexOf("=");
  if (first < 1 || last === first) {
    console.error(`expected name=routing-url=sdl-file, got ${argument}`);
    process.exit(2);
  }
  return {
    name: argument.slice(0, first),
    url: argument.slice(first + 1, last),
    typeDefs: parse(readFileSync(argument.slice(last + 1), "utf8")),
  };
});
if (services.length === 0) {
  console.error("usage: node compose.mjs name=routing-url=sdl-file ...");
  process.exit(2);
}
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
for (const hint of result.hints ?? []) console.error(`hint: ${hint.definition.code}: ${hint.message}`);
process.stdout.write(result.supergraphSdl);
