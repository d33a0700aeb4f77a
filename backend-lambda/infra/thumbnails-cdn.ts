/**
 * CloudFront in front of `thumbnails/` only. CDK's stock OAC origin grants the distribution
 * s3:GetObject on the whole bucket, which would let anyone who guesses a key fetch an original (GPS and
 * all); this origin grants it on `thumbnails/*` alone, so every other path answers 403.
 */
import { Aws } from 'aws-cdk-lib';
import type { IOrigin, OriginBindConfig, OriginBindOptions } from 'aws-cdk-lib/aws-cloudfront';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  PriceClass,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { THUMBNAILS_PREFIX } from './bucket.ts';

class PrefixOacOrigin extends S3BucketOrigin {
  readonly #bucket: IBucket;
  readonly #prefix: string;
  readonly #oac: S3OriginAccessControl;

  constructor(bucket: IBucket, prefix: string, oac: S3OriginAccessControl) {
    super(bucket);
    this.#bucket = bucket;
    this.#prefix = prefix;
    this.#oac = oac;
  }

  override bind(scope: Construct, options: OriginBindOptions): OriginBindConfig {
    this.#bucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.#bucket.arnForObjects(`${this.#prefix}*`)],
        conditions: {
          StringEquals: { 'AWS:SourceArn': `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${options.distributionId}` },
        },
      }),
    );
    const config = super.bind(scope, options);
    if (!config.originProperty) throw new Error('S3 origin rendered no origin property');
    return { ...config, originProperty: { ...config.originProperty, originAccessControlId: this.#oac.originAccessControlId } };
  }
}

/** A distribution whose URL + object key is a thumbnail's public URL. */
export class ThumbnailsCdn extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, bucket: IBucket) {
    super(scope, id);
    const oac = new S3OriginAccessControl(this, 'OriginAccessControl', { signing: Signing.SIGV4_ALWAYS });
    const origin: IOrigin = new PrefixOacOrigin(bucket, THUMBNAILS_PREFIX, oac);
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Ferry thumbnails',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Thumbnail keys never change content (they carry Cache-Control: immutable), so cache by path alone.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: false,
      },
      // WebP is already compressed; the cheapest edge set is enough for a personal gallery.
      priceClass: PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
    });
    acknowledge(
      this.distribution,
      'Serves only thumbnails/* of a private bucket: immutable WebP renditions whose URLs are handed to signed-in users. No form or API sits behind it for a WAF to protect, no request log would say more than the CloudFront metrics, and the creator decides where their gallery is seen, not the stack.',
      'AwsSolutions::AwsSolutions-CFR1',
      'AwsSolutions::AwsSolutions-CFR2',
      'AwsSolutions::AwsSolutions-CFR3',
    );
    acknowledge(
      this.distribution,
      'The default *.cloudfront.net certificate fixes the minimum viewer protocol at TLSv1 (CloudFront ignores minimumProtocolVersion without a custom certificate); with a domain of your own, set TLSv1.2_2021.',
      'AwsSolutions::AwsSolutions-CFR4',
    );
  }

  /** `https://<domain>`, the PUBLIC_BASE_URL the handlers prefix to a thumbnail key. */
  get baseUrl(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
