/** Minimal types for the parts of ali-oss 6.23 (a CommonJS package without typings) used by tests and bench. */
declare module 'ali-oss' {
  interface OSSOptions {
    accessKeyId: string;
    accessKeySecret: string;
    stsToken?: string;
    bucket?: string;
    region?: string;
    endpoint?: string;
    sldEnable?: boolean;
    cname?: boolean;
    secure?: boolean;
    authorizationV4?: boolean;
  }
  class OSS {
    constructor(options: OSSOptions);
    signatureUrlV4(
      method: string,
      expires: number,
      request?: { headers?: Record<string, string>; queries?: Record<string, string | null> },
      objectName?: string,
      additionalHeaders?: string[],
    ): Promise<string>;
    signatureUrl(name: string, options?: Record<string, unknown>): string;
  }
  export default OSS;
}

declare module 'ali-oss/lib/common/signUtils.js' {
  const signUtils: {
    authorizationV4(
      accessKeyId: string,
      accessKeySecret: string,
      region: string,
      method: string,
      request: { headers: Record<string, string>; queries?: Record<string, string | null> },
      bucketName?: string,
      objectName?: string,
      additionalHeaders?: string[],
    ): string;
    buildCanonicalString(
      method: string,
      resourcePath: string,
      request: { headers: Record<string, string>; parameters?: Record<string, string | null> },
      expires?: string,
    ): string;
    computeSignature(accessKeySecret: string, canonicalString: string): string;
  };
  export default signUtils;
}
