import type { Plugin } from "esbuild";
export declare const dynamodbExceptions: Plugin;
declare const plugins: Plugin[];
export default plugins;
