import type { Plugin } from "esbuild";
export declare const dynamodbExceptions: Plugin;
export declare const nativeFetch: Plugin;
declare const plugins: Plugin[];
export default plugins;
