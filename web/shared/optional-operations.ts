/**
 * The API operations a web app may find missing, because they are built apart from it: the
 * console's optional customer actions (web/console/pages/optional-actions.tsx). The build tells
 * the bundle which of these the API has (web/api-operations.ts); nothing else of the API is listed.
 */
export const OPTIONAL_OPERATIONS = ["grantCredits", "previewPlanChange", "createPortalSession"] as const;

export type OptionalOperation = (typeof OPTIONAL_OPERATIONS)[number];
