import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';

/** Body of `POST /orders`; anything else in the body is rejected with 400. */
export class CreateOrderDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  item!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}
