/** The GraphQL schema: each import adds one domain's types and fields to the builder. */
import { builder } from "./builder";
import "./scalars";
import "./features";
import "./plans";
import "./credit-packs";
import "./customers";
import "./subscriptions";
import "./wallet";
import "./entitlements";
import "./usage";
import "./adjustments";
import "./clock";
import "./invoices";
import "./previews";
import "./ai-models";
import "./api-keys";
import "./customer-tokens";
import "./webhooks";
import "./lists";
import "./ai-costs";
import "./usage-history";
import "./portal";
import "./alerts";
import "./lists";
import "./ai-costs";
import "./usage-history";

export const schema = builder.toSchema({ sortSchema: false });
