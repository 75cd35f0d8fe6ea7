/**
 * zod for the product code: `zod/mini` (the functional API, a small fraction of the classic API's
 * bundle size) with the English messages the classic API loads by default. Without the locale
 * every default message would be "Invalid input"; with it, issues read as they always have
 * ("Too small: expected string to have >=1 characters").
 *
 * Import it as a namespace, `import * as z from "./zod"`: esbuild then bundles only the parts
 * used. A named import of the `z` object (`import { z } from "zod/mini"`) pulls in all of zod,
 * every locale included (~440 KB minified).
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
